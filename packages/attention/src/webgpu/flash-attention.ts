/**
 * FlashAttention's WebGPU kernels (the op, its gradient config and its reference are in
 * `../flash-attention.ts`), registered for 'webgpu' on import. One invocation per row, where a row
 * is (batch b, head h, position t), `B·nh·T` of them in workgroups of 64; each keeps its head's
 * vectors (hs floats, `HS` baked into the shader and its key) in private arrays and loops over
 * the other positions, recomputing scores and dropout instead of reading a `(T, T)` matrix.
 * - forward (1 dispatch): per query row i, online softmax over keys j ≤ i (running max, running
 *   sum, accumulator of `P·Z·v`), written at `(b, i, h·hs + d)`: heads merged;
 * - backward (2 dispatches): per query row, L_i (log-sum-exp), D_i = dO_i·O_i and
 *   dQ_i = scale·Σ_j dS_ij k_j; then per key row j, dK_j = scale·Σ_{i≥j} dS_ij q_i and
 *   dV_j = Σ_{i≥j} P_ij Z_ij dO_i, written with dQ_j into one `(B, T, 3C)` gradient, where
 *   P_ij = exp(s_ij − L_i), Z_ij the dropout mask (0 or 1/(1 − p)) and dS_ij = P_ij (Z_ij dO_i·v_j − D_i).
 * q, k, v of head h at position t are read in place from `qkv` `(B, T, 3C)`: row `(b·T + t)·3C`,
 * then `h·hs`, `C + h·hs`, `2C + h·hs`.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { registerWebGPUKernel, runWebGPUKernel } from '@scratchgpt/nn';
import {
  dropThreshold,
  FlashAttentionDqkvKernel,
  FlashAttentionKernel,
  FlashAttentionRowGradKernel,
  type FlashAttentionAttrs,
} from '../flash-attention';

const WG = 64;
const UNIFORMS = 'T : i32, nh : i32, nRows : i32, scale : f32, seed : i32, threshold : i32, keepScale : f32,';

/** What every kernel shares: `HS`, the dropout hash (as `dropoutBits` in `../flash-attention.ts`), the row's coordinates. */
function prelude(hs: number, dropout: boolean): string {
  return /* wgsl */ `
const HS = ${hs};

fn mix32(v : u32) -> u32 {
  var x = v;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}

/** Dropout of weight (i, j) of head bh = b·nh + h: 0 (dropped) or 1/(1 − p). */
fn dropScale(bh : i32, i : i32, j : i32) -> f32 {
  ${
    dropout
      ? `let bits = mix32(mix32(mix32(mix32(u32(uniforms.seed) + 0x9e3779b9u) ^ u32(bh)) ^ u32(i)) ^ u32(j)) >> 8u;
  return select(0.0, uniforms.keepScale, bits >= u32(uniforms.threshold));`
      : 'return 1.0;'
  }
}

/** Row index = (b·nh + h)·T + t → (b, h, t, b·nh + h). */
fn rowCoords(index : i32) -> vec4<i32> {
  let bh = index / uniforms.T;
  return vec4<i32>(bh / uniforms.nh, bh % uniforms.nh, index % uniforms.T, bh);
}

/** Offset in qkv of head h's part (0: q, 1: k, 2: v) at position t of batch b. */
fn qkvAt(b : i32, t : i32, h : i32, part : i32) -> i32 {
  let C = uniforms.nh * HS;
  return (b * uniforms.T + t) * 3 * C + part * C + h * HS;
}

/** Offset of head h at position t of batch b in a (B, T, C) tensor (the output, dO). */
fn headAt(b : i32, t : i32, h : i32) -> i32 {
  return (b * uniforms.T + t) * uniforms.nh * HS + h * HS;
}

/** Σ_d x[d]·qkv[base + d], with x in registers. */
fn dotAt(x : ptr<function, array<f32, HS>>, base : i32) -> f32 {
  var s = 0.0;
  for (var d = 0; d < HS; d = d + 1) { s = s + (*x)[d] * qkv[base + d]; }
  return s;
}
`;
}

const forwardCode = (hs: number, dropout: boolean) => /* wgsl */ `${prelude(hs, dropout)}
fn main(index : i32) {
  if (index >= uniforms.nRows) { return; }
  // 1. The row: query i of head h in batch b; q_i into registers.
  let rc = rowCoords(index);
  let b = rc.x; let h = rc.y; let i = rc.z; let bh = rc.w;
  var q : array<f32, HS>;
  for (var d = 0; d < HS; d = d + 1) { q[d] = qkv[qkvAt(b, i, h, 0) + d]; }
  // 2. Online softmax over keys j ≤ i: running max m, running sum l, acc = Σ exp(s − m)·Z·v.
  var m = -3.0e38;
  var l = 0.0;
  var acc : array<f32, HS>;
  for (var j = 0; j <= i; j = j + 1) {
    let s = dotAt(&q, qkvAt(b, j, h, 1)) * uniforms.scale;
    let mNew = max(m, s);
    let correction = exp(m - mNew);
    let p = exp(s - mNew);
    l = l * correction + p;
    let pz = p * dropScale(bh, i, j);
    let vBase = qkvAt(b, j, h, 2);
    for (var d = 0; d < HS; d = d + 1) { acc[d] = acc[d] * correction + pz * qkv[vBase + d]; }
    m = mNew;
  }
  // 3. Normalised, heads merged: (b, i, h·HS + d).
  let oBase = headAt(b, i, h);
  for (var d = 0; d < HS; d = d + 1) { result[oBase + d] = acc[d] / l; }
}`;

const rowGradCode = (hs: number, dropout: boolean) => /* wgsl */ `${prelude(hs, dropout)}
fn main(index : i32) {
  if (index >= uniforms.nRows) { return; }
  // 1. The row (b, h, i): q_i and dO_i into registers; D = dO_i·O_i.
  let rc = rowCoords(index);
  let b = rc.x; let h = rc.y; let i = rc.z; let bh = rc.w;
  let oBase = headAt(b, i, h);
  var q : array<f32, HS>;
  var g : array<f32, HS>;
  var D = 0.0;
  for (var d = 0; d < HS; d = d + 1) {
    q[d] = qkv[qkvAt(b, i, h, 0) + d];
    g[d] = dy[oBase + d];
    D = D + g[d] * attnOut[oBase + d];
  }
  // 2. L = log Σ_{j≤i} exp(s_ij), online.
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0; j <= i; j = j + 1) {
    let s = dotAt(&q, qkvAt(b, j, h, 1)) * uniforms.scale;
    let mNew = max(m, s);
    l = l * exp(m - mNew) + exp(s - mNew);
    m = mNew;
  }
  let L = m + log(l);
  // 3. dQ_i = scale·Σ_j P_ij (Z_ij dO_i·v_j − D) k_j.
  var acc : array<f32, HS>;
  for (var j = 0; j <= i; j = j + 1) {
    let kBase = qkvAt(b, j, h, 1);
    let p = exp(dotAt(&q, kBase) * uniforms.scale - L);
    let ds = p * (dotAt(&g, qkvAt(b, j, h, 2)) * dropScale(bh, i, j) - D);
    for (var d = 0; d < HS; d = d + 1) { acc[d] = acc[d] + ds * qkv[kBase + d]; }
  }
  // 4. [dQ_i, L, D] at row index.
  let r = index * (HS + 2);
  for (var d = 0; d < HS; d = d + 1) { result[r + d] = acc[d] * uniforms.scale; }
  result[r + HS] = L;
  result[r + HS + 1] = D;
}`;

const dqkvCode = (hs: number, dropout: boolean) => /* wgsl */ `${prelude(hs, dropout)}
fn main(index : i32) {
  if (index >= uniforms.nRows) { return; }
  // 1. The row (b, h, j): k_j and v_j into registers.
  let rc = rowCoords(index);
  let b = rc.x; let h = rc.y; let j = rc.z; let bh = rc.w;
  var k : array<f32, HS>;
  var v : array<f32, HS>;
  for (var d = 0; d < HS; d = d + 1) { k[d] = qkv[qkvAt(b, j, h, 1) + d]; v[d] = qkv[qkvAt(b, j, h, 2) + d]; }
  // 2. Over queries i ≥ j: P_ij from L_i, dS_ij from D_i; dK += dS·q_i, dV += P·Z·dO_i.
  var dk : array<f32, HS>;
  var dv : array<f32, HS>;
  for (var i = j; i < uniforms.T; i = i + 1) {
    let qBase = qkvAt(b, i, h, 0);
    let gBase = headAt(b, i, h);
    let r = (bh * uniforms.T + i) * (HS + 2);
    var gv = 0.0;
    for (var d = 0; d < HS; d = d + 1) { gv = gv + dy[gBase + d] * v[d]; }
    let p = exp(dotAt(&k, qBase) * uniforms.scale - rows[r + HS]);
    let z = dropScale(bh, i, j);
    let ds = p * (gv * z - rows[r + HS + 1]);
    let pz = p * z;
    for (var d = 0; d < HS; d = d + 1) {
      dk[d] = dk[d] + ds * qkv[qBase + d];
      dv[d] = dv[d] + pz * dy[gBase + d];
    }
  }
  // 3. dq | dk | dv of head h at (b, j): dQ_j copied from the row kernel's output.
  let w = qkvAt(b, j, h, 0);
  let C = uniforms.nh * HS;
  let rj = index * (HS + 2);
  for (var d = 0; d < HS; d = d + 1) {
    result[w + d] = rows[rj + d];
    result[w + C + d] = dk[d] * uniforms.scale;
    result[w + 2 * C + d] = dv[d];
  }
}`;

const int = (...data: number[]) => ({ type: 'int32' as const, data });
const float = (...data: number[]) => ({ type: 'float32' as const, data });

/** A kernel over the `B·nh·T` rows of `qkv` `(B, T, 3C)`. */
function rowKernel(
  name: string,
  code: (hs: number, dropout: boolean) => string,
  inputNames: string[],
  outputShape: (B: number, T: number, C: number, rows: number, hs: number) => number[],
): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { nHead, dropout, seed } = attrs as unknown as FlashAttentionAttrs;
    const tensors = inputNames.map((n) => (inputs as Record<string, TensorInfo>)[n]!);
    const [B, T, C3] = tensors[0]!.shape as [number, number, number];
    const C = C3 / 3;
    const hs = C / nHead;
    const rows = B * nHead * T;
    const drop = dropout > 0;
    return runWebGPUKernel(
      backend,
      {
        key: `${name}_${hs}_${drop}`,
        inputs: inputNames,
        outputShape: outputShape(B, T, C, rows, hs),
        layout: { kind: 'rows', groups: Math.ceil(rows / WG), workgroupSize: WG },
        uniforms: UNIFORMS,
        code: code(hs, drop),
      },
      tensors,
      [
        int(T),
        int(nHead),
        int(rows),
        float(1 / Math.sqrt(hs)),
        int(seed | 0),
        int(dropThreshold(dropout)),
        float(drop ? 1 / (1 - dropout) : 1),
      ],
    );
  };
}

// The inputs' names are the WGSL arrays' (`attnOut`: the forward output O, saved by the gradient config).
registerWebGPUKernel(
  FlashAttentionKernel,
  rowKernel('flash_fwd', forwardCode, ['qkv'], (B, T, C) => [B, T, C]),
);
registerWebGPUKernel(
  FlashAttentionRowGradKernel,
  rowKernel('flash_rowgrad', rowGradCode, ['qkv', 'attnOut', 'dy'], (_B, _T, _C, rows, hs) => [rows, hs + 2]),
);
registerWebGPUKernel(
  FlashAttentionDqkvKernel,
  rowKernel('flash_dqkv', dqkvCode, ['qkv', 'dy', 'rows'], (B, T, C) => [B, T, 3 * C]),
);
