// `pnpm bench [suite...]`: runs the benchmark suites, prints markdown, writes bench/results/<suite>.{json,md}.
import { join } from 'node:path';
import { writeReport, type Suite } from './report';
import { browserSuite } from './browser';
import { gpuSuite } from './gpu';
import { modelSuite } from './model';
import { tokenizersSuite } from './tokenizers';
import { trainingSuite } from './training';

const suites: Suite[] = [tokenizersSuite, modelSuite, trainingSuite, browserSuite, gpuSuite];
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !suites.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark suite ${unknown.join(', ')}; choose from ${suites.map((s) => s.name).join(', ')}.`);
  process.exit(1);
}
for (const suite of suites.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
  console.error(`bench ${suite.name}`);
  console.log(writeReport(join(import.meta.dirname, 'results'), suite.name, await suite.run()));
}
