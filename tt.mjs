import Table from 'cli-table3';
for (const n of [250, 500, 1000, 2000]) {
  const t = new Table({ head: Array.from({length: 12}, (_, i) => 'h' + i), style: { head: [], border: [] } });
  for (let i = 0; i < n; i++) t.push(Array.from({length: 12}, (_, j) => `${i * j}.5 ms`));
  const s = performance.now(); t.toString(); console.log(n, (performance.now() - s).toFixed(0), 'ms');
}
