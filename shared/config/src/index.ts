export { ConfigError, parseConfig } from "./parse-config.js";
export {
  namespaceVariable,
  databaseUrlVariable,
  redisUrlVariable,
  natsUrlVariable,
  portVariable,
  millisecondsVariable,
  dbPoolSizeVariable,
  logLevelVariable,
  streamReplicasVariable,
  baseVariables,
} from "./common-variables.js";
