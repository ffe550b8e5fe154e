/** Draws a `[query][key]` matrix of attention weights on a canvas, labelled with the tokens. */
export function drawHeatmap(canvas: HTMLCanvasElement, weights: number[][], labels: string[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const n = weights.length;
  const margin = 40;
  const cell = Math.max(1, Math.floor((Math.min(canvas.width, canvas.height) - margin) / Math.max(n, 1)));
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let q = 0; q < n; q++) {
    for (let k = 0; k < n; k++) {
      const w = weights[q]![k]!;
      const shade = Math.round(255 * (1 - Math.sqrt(w))); // sqrt: small weights stay visible
      ctx.fillStyle = `rgb(${shade}, ${shade}, 255)`;
      ctx.fillRect(margin + k * cell, margin + q * cell, cell, cell);
    }
  }
  if (cell >= 8) {
    ctx.fillStyle = '#333';
    ctx.font = `${Math.min(12, cell - 2)}px monospace`;
    const show = (s: string) => (s === '\n' ? '↵' : s === ' ' ? '·' : s.slice(0, 3));
    labels.forEach((label, i) => {
      ctx.fillText(show(label), margin + i * cell + 1, margin - 4); // keys along the top
      ctx.fillText(show(label), 2, margin + (i + 1) * cell - 2); // queries down the side
    });
  }
}
