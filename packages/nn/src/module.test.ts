import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dropout, LayerNorm, Linear } from './layers';
import { Module, ModuleList } from './module';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

class Net extends Module {
  readonly fc = this.addModule('fc', new Linear(2, 3));
  readonly blocks = this.addModule('h', new ModuleList([new LayerNorm(3), new LayerNorm(3, { bias: false })]));
  readonly drop = this.addModule('drop', new Dropout(0.1));
  readonly scale = this.addParameter('scale', tf.ones([1]));
}

describe('Module', () => {
  it('names parameters with stable dotted paths: own first, then children in order', () => {
    expect(new Net().namedParameters().map(([n, p]) => `${n}:${p.shape}`)).toEqual([
      'scale:1',
      'fc.weight:2,3',
      'fc.bias:3',
      'h.0.weight:3',
      'h.0.bias:3',
      'h.1.weight:3',
    ]);
    expect(new Net().namedModules().map(([n]) => n)).toEqual(['fc', 'h', 'h.0', 'h.1', 'drop']);
  });

  it('counts parameters and switches train/eval everywhere', () => {
    const net = new Net();
    expect(net.numParams()).toBe(1 + 6 + 3 + 3 + 3 + 3);
    net.eval();
    expect([net.training, net.drop.training, net.blocks.items[1]!.training]).toEqual([false, false, false]);
    net.train();
    expect(net.drop.training).toBe(true);
  });

  it('rejects a name used twice or one with a dot', () => {
    class Twice extends Module {
      constructor(name: string) {
        super();
        this.addParameter('w', tf.zeros([1]));
        this.addModule(name, new Linear(1, 1));
      }
    }
    expect(() => new Twice('w')).toThrow('"w" is registered twice');
    expect(() => new Twice('a.b')).toThrow('name "a.b" must be letters, digits or "_"');
  });

  it('frees every parameter on dispose', () => {
    const before = tf.memory().numTensors;
    const net = new Net();
    expect(tf.memory().numTensors).toBe(before + 6);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
