/** What revenue is scaled by (the test edits it: a helper module an asset imports). */
export const factor = 2;
