import { burst } from './bench/offboarding.js';
const t = process.cpuUsage();
const r = await burst(50);
const c = process.cpuUsage(t);
console.log(JSON.stringify(r), 'bench-process cpu ms', Math.round((c.user + c.system) / 1000));
