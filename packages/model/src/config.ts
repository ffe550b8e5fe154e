/** The GPT's shape, validated at construction, with named presets. */

/** Everything that fixes a GPT's shape. */
export interface GPTConfig {
  /** Number of token ids. */
  vocabSize: number;
  /** Longest context, in tokens (positions learned). */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Model width C; must divide by nHead. */
  nEmbd: number;
  /** Dropout probability in [0, 1). */
  dropout: number;
  /** Biases in Linear layers and LayerNorms (nanoGPT's `bias`). */
  bias: boolean;
  /** Attention kind: `single`, `wrapper`, `fused`, or one registered with `registerAttention`. Default `fused`. */
  attention?: string;
  /** lm_head shares the token embedding's weights (GPT-2, nanoGPT). Default `true`. */
  tieWeights?: boolean;
  /** Biases on the query/key/value projections. Default: `bias` (the lecture's heads have none). */
  qkvBias?: boolean;
  /**
   * The MLP's nonlinearity: exact `gelu` (nanoGPT), `gelu_tanh` (the tanh approximation OpenAI's
   * GPT-2 weights were trained with: Hugging Face's `gelu_new`) or `relu` (the lecture). Default `gelu`.
   */
  activation?: Activation;
  /**
   * The fast paths each backend has: on wasm, products through `matMul2d` / `batchMatMul` (plain
   * 2-D products forward and backward, several times faster); on webgpu, the fused kernels
   * (LayerNorm, GELU, flash attention, cross-entropy). `false`: tfjs's own ops and gradients, the
   * readable reference. Same values to float rounding. Default `true`.
   */
  fastPaths?: boolean;
}

/** The MLP nonlinearities a config can name. */
export const ACTIVATIONS = ['gelu', 'gelu_tanh', 'relu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The attention kind of a config that names none. */
export const DEFAULT_ATTENTION = 'fused';

/** Attention kinds that are one head of size nEmbd, so their nHead is 1: the rule's one home. */
const ONE_HEAD_KINDS: ReadonlySet<string> = new Set(['single']);

/**
 * The nHead an attention kind takes when none is asked for: 1 for `single` (one head of size
 * nEmbd), `nHead` for every other kind. An explicit nHead that breaks the rule is an error in
 * {@link resolveConfig}.
 */
export function headsFor(attention: string | undefined, nHead: number): number {
  return isOneHead(attention) ? 1 : nHead;
}

/** Whether an attention kind is one head of size nEmbd (`single`): no output projection, nHead 1. */
export function isOneHead(attention: string | undefined): boolean {
  return ONE_HEAD_KINDS.has(attention ?? DEFAULT_ATTENTION);
}

/** A config with every default filled in. */
export type ResolvedGPTConfig = Required<GPTConfig>;

/** Checks a config and fills in defaults; the error names the field, its value and the rule. */
export function resolveConfig(config: GPTConfig): ResolvedGPTConfig {
  const c: ResolvedGPTConfig = {
    ...config,
    attention: config.attention ?? DEFAULT_ATTENTION,
    tieWeights: config.tieWeights ?? true,
    qkvBias: config.qkvBias ?? config.bias,
    activation: config.activation ?? 'gelu',
    fastPaths: config.fastPaths ?? true,
  };
  const fail = (message: string): never => {
    throw new Error(`GPTConfig: ${message}`);
  };
  for (const key of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) fail(`${key} must be a positive integer, got ${c[key]}.`);
  }
  if (c.nEmbd % c.nHead !== 0) {
    fail(
      `nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead}); try nEmbd = ${Math.max(1, Math.round(c.nEmbd / c.nHead)) * c.nHead}.`,
    );
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) fail(`dropout must be in [0, 1), got ${c.dropout}.`);
  for (const key of ['bias', 'tieWeights', 'qkvBias', 'fastPaths'] as const) {
    if (typeof c[key] !== 'boolean') fail(`${key} must be true or false, got ${JSON.stringify(c[key])}.`);
  }
  if (typeof c.attention !== 'string' || c.attention.length === 0) fail('attention must name an attention kind.');
  if (isOneHead(c.attention) && c.nHead !== 1) {
    fail(
      `attention "${c.attention}" is one head of size nEmbd, so nHead must be 1 (got ${c.nHead}); set nHead: 1, or use "wrapper" or "fused" for ${c.nHead} heads.`,
    );
  }
  if (!ACTIVATIONS.includes(c.activation))
    fail(`activation must be one of ${ACTIVATIONS.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(c.activation)}.`);
  return c;
}

/** nanoGPT `config/train_shakespeare_char.py`: 6 layers, 6 heads, 384 wide, block 256, dropout 0.2. */
const shakespeareChar = {
  vocabSize: 65,
  blockSize: 256,
  nLayer: 6,
  nHead: 6,
  nEmbd: 384,
  dropout: 0.2,
  bias: false,
  attention: 'fused',
  tieWeights: true,
} as const satisfies GPTConfig;

/** Named configs. Char-level presets assume Tiny Shakespeare's 65 characters: set `vocabSize` for other data. */
export const presets = {
  shakespeareChar,
  /** nanoGPT's README "on a CPU" run: 4 layers, 4 heads, 128 wide, block 64, no dropout. */
  shakespeareCharCpu: { ...shakespeareChar, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0 },
  /** The "Let's build GPT" lecture's final model (ng-video-lecture `gpt.py`): shakespeareChar with biases (none on q/k/v), wrapper heads, ReLU, an untied head; 10,788,929 parameters. */
  ngVideoLecture: { ...shakespeareChar, bias: true, qkvBias: false, attention: 'wrapper', tieWeights: false, activation: 'relu' },
  /** GPT-2 small (124M): the shape of OpenAI's weights, and the tanh GELU they were trained with. */
  gpt2: {
    vocabSize: 50257,
    blockSize: 1024,
    nLayer: 12,
    nHead: 12,
    nEmbd: 768,
    dropout: 0,
    bias: true,
    attention: 'fused',
    tieWeights: true,
    activation: 'gelu_tanh',
  },
} as const satisfies Record<string, GPTConfig>;
