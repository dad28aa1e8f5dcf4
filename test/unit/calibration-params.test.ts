// The starting value of each parameter `cp-plan calibrate` fits is the value the model uses (review 13, P3.14).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALIBRATION_PARAMS } from '../../src/calibration/params.js';
import { decodeAttentionSec, familyUsed } from '../../src/model/hardware/kernels.js';
import { shipped } from './specs.js';

const attentionKernel = CALIBRATION_PARAMS.find((p) => p.id === 'attention-kernel')!;

test("attention-kernel: for an engine without attentionKernelUs, get() is the decode table's fitted fixed cost (us)", () => {
  for (const engine of ['vllm', 'sglang', 'trtllm']) {
    const c = shipped('h100-ib', engine);
    assert.equal(c.engine.attentionKernelSec, null, engine);
    const fit = c.gpu.kernels.decodeAttention[familyUsed(c, 'decodeAttention', 'bf16')]!.bf16!;
    assert.ok(fit.fixedSec > 0, engine);
    assert.equal(attentionKernel.get(c), fit.fixedSec / 1e-6, engine);
    // Setting it to get() leaves the decode kernel's time as it was.
    const set = attentionKernel.set(c, attentionKernel.get(c));
    assert.ok(Math.abs(decodeAttentionSec(set, 'bf16', 1e6) / decodeAttentionSec(c, 'bf16', 1e6) - 1) < 1e-12, engine);
  }
});

test("attention-kernel: an engine's own attentionKernelUs is get()'s value", () => {
  const c = shipped('gtt');
  assert.ok(c.engine.attentionKernelSec !== null);
  assert.equal(attentionKernel.get(c), c.engine.attentionKernelSec / 1e-6);
});
