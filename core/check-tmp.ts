import { IANAZone } from 'luxon';
import { resolveTimeZone } from './src/partitions/definitions/time-zone.js';
let bad = 0; let n = 0;
const lo = Date.UTC(1900, 0, 1), hi = Date.UTC(2100, 0, 1);
let seed = 42; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
for (const name of Intl.supportedValuesOf('timeZone')) {
  const z = resolveTimeZone(name); if (!z) { console.log('unresolved', name); continue; }
  const raw = IANAZone.create(name);
  for (let i = 0; i < 3000; i++) { const t = Math.floor(lo + rnd() * (hi - lo)); n++; if (z.offsetMs(t) !== Math.round(raw.offset(t) * 60000)) { bad++; if (bad < 10) console.log('mismatch', name, new Date(t).toISOString()); } }
}
console.log('checked', n, 'mismatches', bad);
