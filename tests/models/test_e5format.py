"""The E5S1 format: Q4_0 dequantisation against hand-computed values."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from models import e5format


def _q4_block(scale: float, qs: list[int]) -> bytes:
    return struct.pack("<e", scale) + bytes(qs)


def test_dequantize_one_block_matches_hand_computed_values() -> None:
    # byte j holds weight j (low nibble) and weight j+16 (high nibble); value = (nibble - 8) * scale
    qs = [0x80, 0x0F, 0x79, 0xF0] + [0x88] * 12
    got = e5format.dequantize_q4_0(_q4_block(0.25, qs), 32)
    expected = np.zeros(32, dtype=np.float32)
    expected[0] = (0 - 8) * 0.25  # 0x80 low nibble 0
    expected[16] = (8 - 8) * 0.25  # 0x80 high nibble 8
    expected[1] = (15 - 8) * 0.25  # 0x0F low 15
    expected[17] = (0 - 8) * 0.25  # 0x0F high 0
    expected[2] = (9 - 8) * 0.25  # 0x79 low 9
    expected[18] = (7 - 8) * 0.25  # 0x79 high 7
    expected[3] = (0 - 8) * 0.25  # 0xF0 low 0
    expected[19] = (15 - 8) * 0.25  # 0xF0 high 15
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_dequantize_uses_fp16_scale_and_consecutive_blocks() -> None:
    # 0.1 is not exact in fp16: the stored scale is 0.0999755859375, which must be what is used
    raw = _q4_block(0.1, [0x9A] * 16) + _q4_block(-2.0, [0x07] * 16)
    got = e5format.dequantize_q4_0(raw, 64)
    s = float(np.float16(0.1))
    np.testing.assert_array_equal(got[:16], np.float32(2 * s))  # 0xA -> 10 - 8
    np.testing.assert_array_equal(got[16:32], np.float32(1 * s))  # 0x9 -> 9 - 8
    np.testing.assert_array_equal(got[32:48], np.float32(-1 * -2.0))  # 0x7 -> -1
    np.testing.assert_array_equal(got[48:64], np.float32(-8 * -2.0))  # 0x0 -> -8


def test_dequantize_rejects_partial_blocks() -> None:
    with pytest.raises(e5format.ConversionError):
        e5format.dequantize_q4_0(b"\0" * 18, 16)
