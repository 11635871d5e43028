/**
 * A float64 reference of a tfjs LayersModel: the model's layer graph
 * (topology, configs and current weights, read from the tfjs objects) run
 * through the equation-level float64 ops of ../backend/reference.ts, with
 * reverse-mode gradients and central differences.
 *
 * Only the STRUCTURE comes from tfjs (which layer feeds which, kernel
 * sizes, strides, paddings, activations, epsilons); every number is
 * computed by the reference ops. Supported layers: everything the wei2018
 * CRNN, the mushtaq2020 CNNs and the hu2020 Mobnet use (Conv2D,
 * DepthwiseConv2D, BatchNormalization, Activation, ELU, ReLU, MaxPooling2D,
 * GlobalAveragePooling2D, Dropout with rate 0, Reshape, Bidirectional(GRU),
 * Multiply, Add, Concatenate, Cropping2D, Dense, AttentionPooling); anything
 * else throws naming the layer.
 *
 * Loss: the data loss of src/train/losses.ts plus the layers' weight
 * penalties (Keras l2: l2 * sum(w^2)), as fit() optimises.
 *
 * Non-differentiable points: relu / relu6 masks, hardSigmoid gates and
 * max-pool routing are discrete decisions. Where the float64 forward is
 * within `tau` of such a point (a pre-activation within tau of a kink, a
 * pool window whose runner-up is within tau of its max), float32 rounding
 * may take the other side, and both one-sided derivatives are legitimate
 * gradients of the float32 computation. Such places are listed in
 * `graph.ambiguities`; setting an entry's `flip` makes backward() take the
 * other side there (`resolveAmbiguities` in ./compare.ts picks the sides
 * tfjs took). Central differences check that the +h and -h evaluations
 * made the same decisions everywhere (`signature`).
 */
import * as tf from '@tensorflow/tfjs';
import {
  activation,
  activationDerivative,
  attentionPoolingBackward,
  attentionPoolingForward,
  batchNormInferBackward,
  batchNormInferForward,
  batchNormTrainBackward,
  batchNormTrainForward,
  conv2dBackward,
  conv2dForward,
  crossEntropy,
  denseBackward,
  denseForward,
  depthwiseBackward,
  depthwiseForward,
  geom,
  globalAvgPoolBackward,
  globalAvgPoolForward,
  gruBackward,
  gruForward,
  kinkDistance,
  maxPoolBackward,
  maxPoolForward,
  reverseTime,
  softmaxBackward,
  softmaxForward,
  type ElementwiseActivation,
  type PadSpec,
} from '../backend/reference.js';

export interface Node {
  name: string;
  shape: number[];
  value: Float64Array;
  grad: Float64Array | null;
  inputs: Node[];
  /** Recompute `value` from the inputs' values (absent for inputs and parameters). */
  forward?: () => void;
  /** Add this node's contribution to the inputs' grads, given `grad`. */
  backward?: () => void;
}

export interface Param {
  /** The tfjs variable name (key of tf.variableGrads' result). */
  variable: string;
  node: Node;
}

/** A place where the forward pass is within tau of a non-differentiable point. */
export interface Ambiguity {
  node: string;
  kind: 'mask' | 'route' | 'gate';
  /** Element (mask: of the node's input; route: of the pool's output; gate: of the GRU gate arrays). */
  index: number;
  /** Distance to the decision boundary (relative; see the ops). */
  margin: number;
  /** Take the other one-sided derivative here. */
  flip: boolean;
}

/** Diagnostics of the last forward pass: how close it came to a non-differentiable point. */
export interface Margins {
  /** Smallest relative (max - runner-up) gap of any max-pool window. */
  poolGap: number;
  /** Smallest distance of a pre-activation to a relu / relu6 / hardSigmoid kink. */
  kink: number;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function addInto(node: Node, g: ArrayLike<number>): void {
  if (!node.grad) node.grad = new Float64Array(node.value.length);
  const t = node.grad;
  for (let i = 0; i < t.length; i++) t[i] += g[i];
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly params: Param[] = [];
  input!: Node;
  labels!: Node;
  output!: Node;
  loss!: Node;
  margins: Margins = { poolGap: Infinity, kink: Infinity };
  /** Decision boundaries closer than this are listed in `ambiguities`. */
  tau: number;
  ambiguities: Ambiguity[] = [];
  /** Checksum of every discrete decision (masks, routes, gates) per node. */
  readonly decisions = new Map<Node, number>();
  /** Values were recomputed partially (central differences): forward() again before backward(). */
  private stale = false;

  constructor(tau = 1e-5) {
    this.tau = tau;
  }

  add(node: Node): Node {
    this.nodes.push(node);
    return node;
  }

  /** Sum of the per-node decision checksums. */
  signature(): number {
    let s = 0;
    for (const v of this.decisions.values()) s += v;
    return s;
  }

  /** Runs every node in order; returns the loss. */
  forward(): number {
    this.margins = { poolGap: Infinity, kink: Infinity };
    this.ambiguities = [];
    for (const n of this.nodes) n.forward?.();
    this.stale = false;
    return this.loss.value[0];
  }

  /** Gradients of the loss w.r.t. every node (after forward()), with the ambiguities' current flips. */
  backward(): void {
    if (this.stale) throw new Error('graph64: values were recomputed partially; call forward() before backward()');
    for (const n of this.nodes) n.grad = null;
    this.loss.grad = Float64Array.of(1);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (n.grad && n.backward) n.backward();
    }
  }

  /** Nodes whose value depends on `source`, in evaluation order. */
  downstream(source: Node): Node[] {
    const dirty = new Set<Node>([source]);
    const out: Node[] = [];
    for (const n of this.nodes) {
      if (n !== source && n.inputs.some((i) => dirty.has(i))) {
        dirty.add(n);
        out.push(n);
      }
    }
    return out;
  }

  /**
   * Central differences (L(w + h) - L(w - h)) / 2h of the loss at the given
   * flat indices of `param`, recomputing only the nodes downstream of it.
   * When the +h and -h evaluations made different discrete decisions
   * (a kink between them), the step is divided by 100, up to twice; a
   * coordinate still straddling one gets NaN. Leaves the graph stale
   * (call forward() before backward()).
   */
  centralDifferences(param: Param, indices: number[], h: number): Float64Array {
    const down = this.downstream(param.node);
    const evalAt = (idx: number, w: number): [number, number] => {
      param.node.value[idx] = w;
      for (const n of down) n.forward?.();
      return [this.loss.value[0], this.signature()];
    };
    const v = param.node.value;
    const out = new Float64Array(indices.length);
    this.stale = true;
    indices.forEach((idx, k) => {
      const w0 = v[idx];
      out[k] = NaN;
      for (let step = h, tries = 0; tries < 3; tries++, step /= 100) {
        const [lp, sp] = evalAt(idx, w0 + step);
        const [lm, sm] = evalAt(idx, w0 - step);
        if (sp === sm) {
          out[k] = (lp - lm) / (2 * step);
          break;
        }
      }
      v[idx] = w0;
    });
    for (const n of down) n.forward?.();
    return out;
  }
}

/**
 * Directional derivative of the loss along `direction` (one array per
 * parameter, in `params` order) by central differences, with the same
 * straddle check as centralDifferences (NaN if every step straddles a
 * decision). Restores the parameters and re-runs forward().
 */
export function directionalDerivative(g: Graph, direction: Float64Array[], h: number): number {
  const saved = g.params.map((p) => Float64Array.from(p.node.value));
  const at = (t: number): [number, number] => {
    g.params.forEach((p, k) => {
      const v = p.node.value;
      for (let i = 0; i < v.length; i++) v[i] = saved[k][i] + t * direction[k][i];
    });
    const l = g.forward();
    return [l, g.signature()];
  };
  let out = NaN;
  for (let step = h, tries = 0; tries < 3; tries++, step /= 100) {
    const [lp, sp] = at(step);
    const [lm, sm] = at(-step);
    if (sp === sm) {
      out = (lp - lm) / (2 * step);
      break;
    }
  }
  g.params.forEach((p, k) => p.node.value.set(saved[k]));
  g.forward();
  return out;
}

interface LayerLike {
  name: string;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  weights: { name: string; originalName: string; read(): tf.Tensor; trainable: boolean }[];
  inboundNodes: { inboundLayers: LayerLike[]; tensorIndices: number[] }[];
}

interface GruLayerLike {
  goBackwards: boolean;
  cell: {
    units: number;
    activation: { getClassName(): string };
    recurrentActivation: { getClassName(): string };
    kernel: { name: string; read(): tf.Tensor };
    recurrentKernel: { name: string; read(): tf.Tensor };
    bias: { name: string; read(): tf.Tensor } | null;
  };
}

function values(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

function pair(v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0], a.length > 1 ? a[1] : a[0]];
}

const ACTIVATIONS: Record<string, ElementwiseActivation | 'softmax'> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  hardSigmoid: 'hardSigmoid',
  hard_sigmoid: 'hardSigmoid',
  softmax: 'softmax',
  // tfjs class names of activation objects
  Linear: 'linear',
  Relu: 'relu',
  Relu6: 'relu6',
  Elu: 'elu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  HardSigmoid: 'hardSigmoid',
  Softmax: 'softmax',
};

function activationName(v: unknown, where: string): ElementwiseActivation | 'softmax' {
  const name = v == null ? 'linear' : String(v);
  const a = ACTIVATIONS[name];
  if (!a) throw new Error(`graph64: activation '${name}' of ${where} is not supported`);
  return a;
}

export interface BuildOptions {
  /** Batch-norm with batch statistics (training) or moving statistics (inference). */
  training: boolean;
  loss: 'categorical' | 'binary';
  /** Concrete input shape [batch, ...]. */
  inputShape: number[];
  /** Label width (classes). */
  nClasses: number;
  /** Ambiguity threshold (default 1e-5). */
  tau?: number;
}

/**
 * Builds the float64 graph of `model` with its current weights. Set the
 * input / labels with `graph.input.value.set(...)`, `graph.labels.value.set(...)`.
 */
export function buildGraph(model: tf.LayersModel, opts: BuildOptions): Graph {
  const g = new Graph(opts.tau);
  const out = new Map<string, Node>();
  const penalties: { node: Node; l2: number }[] = [];

  const param = (layer: LayerLike, weightSuffix: string, variable?: { name: string; read(): tf.Tensor }): Node => {
    const w = variable ?? layer.weights.find((x) => x.originalName.endsWith(`/${weightSuffix}`) || x.name.endsWith(`/${weightSuffix}`));
    if (!w) throw new Error(`graph64: layer ${layer.name} has no weight '${weightSuffix}'`);
    const t = w.read();
    const node = g.add({ name: w.name, shape: [...t.shape], value: values(t), grad: null, inputs: [] });
    if ((w as { trainable?: boolean }).trainable !== false) g.params.push({ variable: w.name, node });
    return node;
  };
  const constant = (layer: LayerLike, weightSuffix: string): Float64Array => {
    const w = layer.weights.find((x) => x.originalName.endsWith(`/${weightSuffix}`));
    if (!w) throw new Error(`graph64: layer ${layer.name} has no weight '${weightSuffix}'`);
    return values(w.read());
  };
  const hasWeight = (layer: LayerLike, suffix: string) => layer.weights.some((x) => x.originalName.endsWith(`/${suffix}`));

  const KINKS: Partial<Record<ElementwiseActivation, number[]>> = { relu: [0], relu6: [0, 6], hardSigmoid: [-2.5, 2.5] };
  const elementwise = (name: string, x: Node, act: ElementwiseActivation | 'softmax', alpha = 1): Node => {
    if (act === 'linear') return x;
    const node: Node = { name, shape: x.shape, value: new Float64Array(0), grad: null, inputs: [x] };
    const C = x.shape[x.shape.length - 1];
    const kinks = act === 'softmax' ? undefined : KINKS[act];
    let near: Ambiguity[] = [];
    node.forward = () => {
      if (act === 'softmax') {
        node.value = softmaxForward(x.value, C);
        return;
      }
      const xv = x.value;
      node.value = xv.map((v) => activation(act, v, alpha));
      if (!kinks) return;
      g.margins.kink = Math.min(g.margins.kink, kinkDistance(act, xv));
      near = [];
      let sig = 0;
      for (let i = 0; i < xv.length; i++) {
        if (activationDerivative(act, xv[i]) !== 0) sig += (i % 65521) + 1;
        for (const k of kinks) {
          const m = Math.abs(xv[i] - k) / Math.max(1, Math.abs(k));
          if (m < g.tau) near.push({ node: name, kind: 'mask', index: i, margin: m, flip: false });
        }
      }
      g.decisions.set(node, sig);
      g.ambiguities.push(...near);
    };
    node.backward = () => {
      if (act === 'softmax') {
        addInto(x, softmaxBackward(node.value, node.grad!, C));
        return;
      }
      const d = node.grad!;
      const dx = x.value.map((v, i) => d[i] * activationDerivative(act, v, alpha));
      for (const a of near) {
        if (!a.flip) continue;
        // the other side of the kink: relu/relu6 1 <-> 0, hardSigmoid 0.2 <-> 0
        const here = activationDerivative(act, x.value[a.index], alpha);
        dx[a.index] = d[a.index] * (here !== 0 ? 0 : act === 'hardSigmoid' ? 0.2 : 1);
      }
      addInto(x, dx);
    };
    return g.add(node);
  };

  const penalty = (layer: LayerLike, cfg: Record<string, unknown>, kernel: Node): void => {
    const reg = cfg.kernelRegularizer as { className: string; config: { l1?: number; l2?: number } } | null | undefined;
    if (!reg) return;
    if (reg.className !== 'L1L2' || (reg.config.l1 ?? 0) !== 0) throw new Error(`graph64: regulariser ${JSON.stringify(reg)} of ${layer.name} is not supported`);
    if ((reg.config.l2 ?? 0) > 0) penalties.push({ node: kernel, l2: reg.config.l2! });
  };

  const convLike = (layer: LayerLike, cfg: Record<string, unknown>, x: Node, depthwise: boolean): Node => {
    const [fh, fw] = pair(cfg.kernelSize);
    const strides = pair(cfg.strides);
    const dil = pair(cfg.dilationRate ?? 1);
    if (dil[0] !== 1 || dil[1] !== 1) throw new Error(`graph64: dilated conv ${layer.name} is not supported`);
    if (cfg.dataFormat !== 'channelsLast') throw new Error(`graph64: ${layer.name} is not channelsLast`);
    const pad = cfg.padding as PadSpec;
    const kernel = param(layer, depthwise ? 'depthwise_kernel' : 'kernel');
    const bias = cfg.useBias ? param(layer, 'bias') : null;
    penalty(layer, cfg, kernel);
    const gm = geom(x.shape, fh, fw, strides, pad);
    const m = depthwise ? (cfg.depthMultiplier as number) : 0;
    const o = depthwise ? gm.c * m : (cfg.filters as number);
    const node: Node = { name: layer.name, shape: [gm.n, gm.ho, gm.wo, o], value: new Float64Array(0), grad: null, inputs: bias ? [x, kernel, bias] : [x, kernel] };
    node.forward = () => {
      node.value = depthwise ? depthwiseForward(x.value, kernel.value, bias?.value ?? null, gm, m) : conv2dForward(x.value, kernel.value, bias?.value ?? null, gm, o);
    };
    node.backward = () => {
      const r = depthwise ? depthwiseBackward(x.value, kernel.value, node.grad!, gm, m) : conv2dBackward(x.value, kernel.value, node.grad!, gm, o);
      addInto(x, r.dx);
      addInto(kernel, r.dw);
      if (bias) addInto(bias, r.db);
    };
    g.add(node);
    return elementwise(`${layer.name}/activation`, node, activationName(cfg.activation, layer.name));
  };

  for (const layer of model.layers as unknown as LayerLike[]) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig();
    const inbound = layer.inboundNodes[0];
    const ins = inbound.inboundLayers.map((l) => {
      const n = out.get(l.name);
      if (!n) throw new Error(`graph64: ${layer.name} reads ${l.name}, which has no node yet`);
      return n;
    });
    const x = ins[0];
    let y: Node;
    switch (cls) {
      case 'InputLayer': {
        y = g.add({ name: layer.name, shape: opts.inputShape, value: new Float64Array(size(opts.inputShape)), grad: null, inputs: [] });
        g.input = y;
        break;
      }
      case 'Conv2D':
        y = convLike(layer, cfg, x, false);
        break;
      case 'DepthwiseConv2D':
        y = convLike(layer, cfg, x, true);
        break;
      case 'BatchNormalization': {
        const axis = cfg.axis as number;
        if (axis !== -1 && axis !== x.shape.length - 1) throw new Error(`graph64: ${layer.name} normalises axis ${axis}, only the last is supported`);
        const C = x.shape[x.shape.length - 1];
        const eps = cfg.epsilon as number;
        const gamma = hasWeight(layer, 'gamma') ? param(layer, 'gamma') : null;
        const beta = hasWeight(layer, 'beta') ? param(layer, 'beta') : null;
        const mm = constant(layer, 'moving_mean');
        const mv = constant(layer, 'moving_variance');
        const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
        const node: Node = { name: layer.name, shape: x.shape, value: new Float64Array(0), grad: null, inputs };
        let cache: ReturnType<typeof batchNormTrainForward> | null = null;
        node.forward = () => {
          if (opts.training) {
            cache = batchNormTrainForward(x.value, C, gamma?.value ?? null, beta?.value ?? null, eps);
            node.value = cache.y;
          } else {
            node.value = batchNormInferForward(x.value, C, mm, mv, gamma?.value ?? null, beta?.value ?? null, eps);
          }
        };
        node.backward = () => {
          const r = opts.training
            ? batchNormTrainBackward(node.grad!, cache!.xhat, cache!.invStd, gamma?.value ?? null, C)
            : batchNormInferBackward(node.grad!, x.value, C, mm, mv, gamma?.value ?? null, eps);
          addInto(x, r.dx);
          if (gamma) addInto(gamma, r.dgamma);
          if (beta) addInto(beta, r.dbeta);
        };
        y = g.add(node);
        break;
      }
      case 'Activation':
        y = elementwise(layer.name, x, activationName(cfg.activation, layer.name));
        break;
      case 'ELU':
        y = elementwise(layer.name, x, 'elu', (cfg.alpha as number) ?? 1);
        break;
      case 'ReLU': {
        const max = cfg.maxValue as number | null | undefined;
        if (max != null && max !== 6) throw new Error(`graph64: ReLU maxValue ${max} of ${layer.name} is not supported`);
        y = elementwise(layer.name, x, max === 6 ? 'relu6' : 'relu');
        break;
      }
      case 'MaxPooling2D': {
        const [fh, fw] = pair(cfg.poolSize);
        const gm = geom(x.shape, fh, fw, pair(cfg.strides ?? cfg.poolSize), cfg.padding as PadSpec);
        const node: Node = { name: layer.name, shape: [gm.n, gm.ho, gm.wo, gm.c], value: new Float64Array(0), grad: null, inputs: [x] };
        let arg = new Int32Array(0);
        let near: (Ambiguity & { alt: number })[] = [];
        node.forward = () => {
          const r = maxPoolForward(x.value, gm, g.tau);
          node.value = r.y;
          arg = r.arg;
          g.margins.poolGap = Math.min(g.margins.poolGap, r.minGap);
          near = r.near.map((w) => ({ node: layer.name, kind: 'route' as const, index: w.out, margin: w.margin, flip: false, alt: w.alt }));
          g.ambiguities.push(...near);
          let sig = 0;
          for (let i = 0; i < arg.length; i++) sig += arg[i] * ((i % 7) + 1);
          g.decisions.set(node, sig);
        };
        node.backward = () => {
          const route = near.some((a) => a.flip) ? Int32Array.from(arg) : arg;
          for (const a of near) if (a.flip) route[a.index] = a.alt;
          addInto(x, maxPoolBackward(route, node.grad!, x.value.length));
        };
        y = g.add(node);
        break;
      }
      case 'GlobalAveragePooling2D': {
        const [n, h, w, c] = x.shape;
        const node: Node = { name: layer.name, shape: [n, c], value: new Float64Array(0), grad: null, inputs: [x] };
        node.forward = () => (node.value = globalAvgPoolForward(x.value, n, h * w, c));
        node.backward = () => addInto(x, globalAvgPoolBackward(node.grad!, n, h * w, c));
        y = g.add(node);
        break;
      }
      case 'Dropout':
        if ((cfg.rate as number) !== 0) throw new Error(`graph64: ${layer.name} has dropout rate ${cfg.rate}; build the model with dropout 0 (a reference has no random masks)`);
        y = x;
        break;
      case 'Reshape': {
        // tfjs keeps -1 (infer) as null in the config.
        const target = (cfg.targetShape as (number | null)[]).map((d) => (d == null || d < 0 ? -1 : d));
        const rest = size(x.shape.slice(1));
        const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const shape = [x.shape[0], ...target.map((d) => (d === -1 ? rest / known : d))];
        if (size(shape) !== size(x.shape)) throw new Error(`graph64: ${layer.name} cannot reshape [${x.shape}] to [${shape}]`);
        const node: Node = { name: layer.name, shape, value: new Float64Array(0), grad: null, inputs: [x] };
        node.forward = () => (node.value = x.value);
        node.backward = () => addInto(x, node.grad!);
        y = g.add(node);
        break;
      }
      case 'Bidirectional': {
        const bi = layer as unknown as { forwardLayer: GruLayerLike; backwardLayer: GruLayerLike; mergeMode: string; returnSequences: boolean; getConfig(): Record<string, unknown> };
        const inner = (cfg.layer as { className: string }).className;
        if (inner !== 'GRU' || bi.mergeMode !== 'concat' || !bi.returnSequences) {
          throw new Error(`graph64: ${layer.name}: only Bidirectional(GRU, returnSequences, concat) is supported`);
        }
        const [B, T, D] = x.shape;
        const dirs = [bi.forwardLayer, bi.backwardLayer].map((gl) => {
          const cell = gl.cell;
          const spec = {
            units: cell.units,
            activation: activationName(cell.activation.getClassName(), layer.name) as ElementwiseActivation,
            recurrentActivation: activationName(cell.recurrentActivation.getClassName(), layer.name) as ElementwiseActivation,
            goBackwards: gl.goBackwards,
          };
          const w = param(layer, '', cell.kernel);
          const u = param(layer, '', cell.recurrentKernel);
          const b = cell.bias ? param(layer, '', cell.bias) : null;
          return { spec, w, u, b };
        });
        const U = dirs[0].spec.units;
        const inputs = [x, ...dirs.flatMap((d) => (d.b ? [d.w, d.u, d.b] : [d.w, d.u]))];
        const node: Node = { name: layer.name, shape: [B, T, 2 * U], value: new Float64Array(0), grad: null, inputs };
        let caches: ReturnType<typeof gruForward>['cache'][] = [];
        let near: (Ambiguity & { dir: number; gate: 'z' | 'r' })[] = [];
        node.forward = () => {
          const v = new Float64Array(B * T * 2 * U);
          near = [];
          let sig = 0;
          caches = dirs.map((d, k) => {
            const r = gruForward(x.value, B, T, D, d.w.value, d.u.value, d.b?.value ?? null, d.spec);
            // Keras: the backward direction's outputs are reversed back to time order before merging.
            const seq = d.spec.goBackwards ? reverseTime(r.y, B, T, U) : r.y;
            for (let bt = 0; bt < B * T; bt++) for (let j = 0; j < U; j++) v[bt * 2 * U + k * U + j] = seq[bt * U + j];
            if (d.spec.activation === 'relu') g.margins.kink = Math.min(g.margins.kink, kinkDistance('relu', r.cache.ah));
            if (d.spec.recurrentActivation === 'hardSigmoid') {
              g.margins.kink = Math.min(g.margins.kink, kinkDistance('hardSigmoid', r.cache.az), kinkDistance('hardSigmoid', r.cache.ar));
              for (const [gate, arr] of [['z', r.cache.az], ['r', r.cache.ar]] as const) {
                for (let i = 0; i < arr.length; i++) {
                  if (Math.abs(arr[i]) <= 2.5) sig += (i % 65521) + 1 + k;
                  const m = Math.abs(Math.abs(arr[i]) - 2.5) / 2.5;
                  if (m < g.tau) near.push({ node: layer.name, kind: 'gate', index: i, margin: m, flip: false, dir: k, gate });
                }
              }
            }
            return r.cache;
          });
          node.value = v;
          g.decisions.set(node, sig);
          g.ambiguities.push(...near);
        };
        node.backward = () => {
          dirs.forEach((d, k) => {
            let dseq = new Float64Array(B * T * U);
            for (let bt = 0; bt < B * T; bt++) for (let j = 0; j < U; j++) dseq[bt * U + j] = node.grad![bt * 2 * U + k * U + j];
            if (d.spec.goBackwards) dseq = reverseTime(dseq, B, T, U);
            const flipped = near.filter((a) => a.flip && a.dir === k);
            const flips = flipped.length
              ? { z: new Set(flipped.filter((a) => a.gate === 'z').map((a) => a.index)), r: new Set(flipped.filter((a) => a.gate === 'r').map((a) => a.index)) }
              : undefined;
            const r = gruBackward(x.value, B, T, D, d.w.value, d.u.value, d.spec, caches[k], dseq, flips);
            addInto(x, r.dx);
            addInto(d.w, r.dw);
            addInto(d.u, r.du);
            if (d.b) addInto(d.b, r.db);
          });
        };
        y = g.add(node);
        break;
      }
      case 'Multiply':
      case 'Add': {
        const mul = cls === 'Multiply';
        const node: Node = { name: layer.name, shape: x.shape, value: new Float64Array(0), grad: null, inputs: ins };
        node.forward = () => {
          const v = Float64Array.from(ins[0].value);
          for (const o of ins.slice(1)) for (let i = 0; i < v.length; i++) v[i] = mul ? v[i] * o.value[i] : v[i] + o.value[i];
          node.value = v;
        };
        node.backward = () => {
          ins.forEach((inp, k) => {
            if (!mul) return addInto(inp, node.grad!);
            const d = Float64Array.from(node.grad!);
            ins.forEach((o, j) => {
              if (j !== k) for (let i = 0; i < d.length; i++) d[i] *= o.value[i];
            });
            addInto(inp, d);
          });
        };
        y = g.add(node);
        break;
      }
      case 'Concatenate': {
        const rank = x.shape.length;
        const axis = (cfg.axis as number) < 0 ? (cfg.axis as number) + rank : (cfg.axis as number);
        const outer = size(x.shape.slice(0, axis));
        const widths = ins.map((n) => size(n.shape.slice(axis)));
        const total = widths.reduce((a, b) => a + b, 0);
        const shape = x.shape.slice();
        shape[axis] = ins.reduce((a, n) => a + n.shape[axis], 0);
        const node: Node = { name: layer.name, shape, value: new Float64Array(0), grad: null, inputs: ins };
        node.forward = () => {
          const v = new Float64Array(outer * total);
          let off = 0;
          ins.forEach((n, k) => {
            for (let o = 0; o < outer; o++) v.set(n.value.subarray(o * widths[k], (o + 1) * widths[k]), o * total + off);
            off += widths[k];
          });
          node.value = v;
        };
        node.backward = () => {
          let off = 0;
          ins.forEach((n, k) => {
            const d = new Float64Array(n.value.length);
            for (let o = 0; o < outer; o++) d.set(node.grad!.subarray(o * total + off, o * total + off + widths[k]), o * widths[k]);
            addInto(n, d);
            off += widths[k];
          });
        };
        y = g.add(node);
        break;
      }
      case 'Cropping2D': {
        const [[ct, cb], [cl, cr]] = cfg.cropping as [[number, number], [number, number]];
        const [n, h, w, c] = x.shape;
        const ho = h - ct - cb;
        const wo = w - cl - cr;
        const node: Node = { name: layer.name, shape: [n, ho, wo, c], value: new Float64Array(0), grad: null, inputs: [x] };
        const index = (b: number, i: number, j: number) => ((b * h + i + ct) * w + j + cl) * c;
        node.forward = () => {
          const v = new Float64Array(n * ho * wo * c);
          for (let b = 0; b < n; b++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) v.set(x.value.subarray(index(b, i, j), index(b, i, j) + c), ((b * ho + i) * wo + j) * c);
          node.value = v;
        };
        node.backward = () => {
          const d = new Float64Array(x.value.length);
          for (let b = 0; b < n; b++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) d.set(node.grad!.subarray(((b * ho + i) * wo + j) * c, ((b * ho + i) * wo + j + 1) * c), index(b, i, j));
          addInto(x, d);
        };
        y = g.add(node);
        break;
      }
      case 'Dense': {
        const nIn = x.shape[x.shape.length - 1];
        const nOut = cfg.units as number;
        const kernel = param(layer, 'kernel');
        const bias = cfg.useBias ? param(layer, 'bias') : null;
        penalty(layer, cfg, kernel);
        const node: Node = { name: layer.name, shape: [...x.shape.slice(0, -1), nOut], value: new Float64Array(0), grad: null, inputs: bias ? [x, kernel, bias] : [x, kernel] };
        node.forward = () => (node.value = denseForward(x.value, kernel.value, bias?.value ?? null, nIn, nOut));
        node.backward = () => {
          const r = denseBackward(x.value, kernel.value, node.grad!, nIn, nOut);
          addInto(x, r.dx);
          addInto(kernel, r.dw);
          if (bias) addInto(bias, r.db);
        };
        g.add(node);
        y = elementwise(`${layer.name}/activation`, node, activationName(cfg.activation, layer.name));
        break;
      }
      case 'AttentionPooling': {
        const [cla, att] = ins;
        const [B, T, K] = cla.shape;
        const eps = cfg.epsilon as number;
        const node: Node = { name: layer.name, shape: [B, K], value: new Float64Array(0), grad: null, inputs: [cla, att] };
        node.forward = () => (node.value = attentionPoolingForward(cla.value, att.value, B, T, K, eps));
        node.backward = () => {
          const r = attentionPoolingBackward(cla.value, att.value, node.value, node.grad!, B, T, K, eps);
          addInto(cla, r.dcla);
          addInto(att, r.datt);
        };
        y = g.add(node);
        break;
      }
      default:
        throw new Error(`graph64: layer ${layer.name} of class ${cls} is not supported`);
    }
    out.set(layer.name, y);
  }

  const outputName = (model.outputs[0] as unknown as { sourceLayer: { name: string } }).sourceLayer.name;
  g.output = out.get(outputName)!;
  const K = opts.nClasses;
  const B = opts.inputShape[0];
  g.labels = g.add({ name: 'labels', shape: [B, K], value: new Float64Array(B * K), grad: null, inputs: [] });
  const lossNode: Node = { name: 'loss', shape: [], value: new Float64Array(1), grad: null, inputs: [g.output, g.labels, ...penalties.map((p) => p.node)] };
  lossNode.forward = () => {
    let l = crossEntropy(opts.loss, g.labels.value, g.output.value, K).loss;
    for (const p of penalties) {
      let s = 0;
      for (const v of p.node.value) s += v * v;
      l += p.l2 * s;
    }
    lossNode.value = Float64Array.of(l);
  };
  lossNode.backward = () => {
    const d = lossNode.grad![0];
    addInto(g.output, crossEntropy(opts.loss, g.labels.value, g.output.value, K).dp.map((v) => v * d));
    for (const p of penalties) addInto(p.node, p.node.value.map((v) => 2 * p.l2 * v * d));
  };
  g.loss = g.add(lossNode);
  return g;
}
