/**
 * A tiny module system in the spirit of PyTorch's `nn.Module`: a module owns named parameters
 * (tfjs Variables) and child modules, knows whether it is training, and lists its parameters
 * with stable dotted names (`h.0.attn.c_attn.weight`) in registration order: own first, then
 * each child's. Non-goals: hooks, buffers, devices, automatic registration by assignment.
 */
import * as tf from '@tensorflow/tfjs-core';

export abstract class Module {
  /** Training mode: dropout is active. Set with `train()` / `eval()`. */
  training = true;
  private readonly params = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();

  /** Registers a trainable parameter; the module owns (and disposes) the tensor. */
  protected addParameter(name: string, value: tf.Tensor): tf.Variable {
    this.assertNewName(name);
    const variable = tf.variable(value, true);
    value.dispose();
    this.params.set(name, variable);
    return variable;
  }

  /** Registers a child module under `name`. */
  protected addModule<M extends Module>(name: string, module: M): M {
    this.assertNewName(name);
    this.children.set(name, module);
    return module;
  }

  /** Parameters with dotted names, own first, then children's, in registration order. */
  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [name, p] of this.params) out.push([prefix + name, p]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Child modules with dotted names, depth first. */
  namedModules(prefix = ''): Array<[string, Module]> {
    return [...this.children].flatMap(([name, child]) => [
      [prefix + name, child] as [string, Module],
      ...child.namedModules(`${prefix}${name}.`),
    ]);
  }

  /** Number of scalar parameters. */
  numParams(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode here and in every child. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter's memory. The module cannot be used afterwards. */
  dispose(): void {
    for (const p of this.params.values()) p.dispose();
    for (const child of this.children.values()) child.dispose();
  }

  private assertNewName(name: string): void {
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`Module: name "${name}" must be letters, digits or "_" (dots join levels).`);
    if (this.params.has(name) || this.children.has(name)) throw new Error(`Module: "${name}" is registered twice.`);
  }
}

/** A numbered list of modules (`h.0`, `h.1`, …), like PyTorch's `nn.ModuleList`. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[] = [];

  constructor(items: Iterable<M> = []) {
    super();
    for (const item of items) this.push(item);
  }

  /** Appends a module under the next index. */
  push(module: M): M {
    this.items.push(this.addModule(String(this.items.length), module));
    return module;
  }
}
