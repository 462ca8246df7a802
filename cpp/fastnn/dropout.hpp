// Inverted dropout, Keras' Dropout: in training each value is kept with probability 1 - rate and
// divided by 1 - rate, so that its expectation is unchanged, or set to 0; in predict and
// evaluate it is the identity.
//
// The mask of one batch is drawn counter-based from the training loop's generator (random.hpp):
// element i (row-major over the batch's rows) is kept when the top 53 bits of
// splitmix_at(dropout_key(seed, step, stream), i) are >= rate * 2**53. fastnn.reference draws the
// same bits, so the NumPy loop drops the same units. Nothing here allocates. No Eigen.
#pragma once

#include <cmath>
#include <cstdint>

#include "fastnn/random.hpp"
#include "fastnn/types.hpp"

namespace fastnn {

// THE table of Dropout's arguments; the bindings check them by it, fastnn.layers.Dropout reads it
// as fastnn._core.DROPOUT.
inline constexpr Parameter kDropoutParameters[] = {
    real_param("rate", kRequired, 0, 1, false, true,
               "the fraction of the values set to 0 in training"),
    int_param("seed", kRequired, 0, 18446744073709551616.0, true,
              "the stream of its masks, mixed with the model's seed (None: the layer's position)"),
};

// The arguments of dropout_key() and the key itself, as the bindings check them.
inline constexpr Parameter kDropoutKeyParameters[] = {
    int_param("seed", 0, 0, 18446744073709551616.0, true, "the model's seed"),
    int_param("step", 0, 0, 18446744073709551616.0, true, "the 1-based number of the update"),
    int_param("stream", 0, 0, 18446744073709551616.0, true, "the layer's stream"),
    int_param("key", 0, 0, 18446744073709551616.0, true, "a batch's key, from dropout_key()"),
};

// A value is kept when its draw's top 53 bits are >= this (exact: rate * 2**53 is a double
// without rounding, truncated).
inline std::uint64_t dropout_threshold(double rate) {
  return static_cast<std::uint64_t>(std::ldexp(rate, 53));
}

// out (rows, cols) = A's values kept (divided by 1 - rate) or 0; mask = 1 where kept, 0 where
// dropped, for dropout_backward. Row r is row row0 + r of the batch (threads with rows of their
// own pass their first row). out may be A.
template <typename T>
void dropout_forward(T* out, T* mask, const T* A, Index rows, Index cols, Index row0, double rate,
                     std::uint64_t key);

// dA = dout where kept, divided by 1 - rate, else 0 (n values; dA may be dout).
template <typename T>
void dropout_backward(T* dA, const T* mask, const T* dout, Index n, double rate);

}  // namespace fastnn
