/** What every `location` argument says. */
export const LOCATION_DOC = "The code location (default: the server's default location: the only one with a deployment, or `default`).";
