export { jsonl } from './plugin.js';
export { jsonlFiles, type JsonlFilesOptions } from './jsonl-files.js';
export { judgeRecords, recordsCheck, type RecordsCheckOptions } from './records-check.js';
export { formatJsonLines, jsonLinesCodec, parseJsonLines, type JsonRecord } from './json-lines.js';
