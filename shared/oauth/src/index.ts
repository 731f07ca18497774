export { parseProviderUrl, isLoopbackHost, isForbiddenHost } from "./provider-url.js";
