import { runColdStartBench } from './bench/cold-start.js';
await runColdStartBench();
