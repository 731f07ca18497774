import type { ProviderEntry } from "../provider-entry.js";
import { atlassian } from "./atlassian.js";
import { box } from "./box.js";
import { discord } from "./discord.js";
import { dropbox } from "./dropbox.js";
import { github } from "./github.js";
import { gitlab } from "./gitlab.js";
import { google } from "./google.js";
import { hubspot } from "./hubspot.js";
import { linear } from "./linear.js";
import { microsoft } from "./microsoft.js";
import { notion } from "./notion.js";
import { salesforce } from "./salesforce.js";
import { slack } from "./slack.js";
import { x } from "./x.js";
import { zoom } from "./zoom.js";

// Adding a provider is adding its file and one line here.
/** Every built-in provider, sorted by id. */
export const PROVIDER_CATALOG: readonly ProviderEntry[] = [
  atlassian,
  box,
  discord,
  dropbox,
  github,
  gitlab,
  google,
  hubspot,
  linear,
  microsoft,
  notion,
  salesforce,
  slack,
  x,
  zoom,
];
