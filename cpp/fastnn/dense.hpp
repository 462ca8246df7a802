// The dense (fully connected) layer: Z = X W + b.
//
// X is (batch, in), W is (in, out), b is (out,), Z is (batch, out); all row-major. Keeping W
// as (in, out) makes the forward a plain X W and the weight gradient X^T dZ: Eigen maps the
// transposes as column-major views, so no product copies a matrix.
#pragma once

#include "fastnn/common.hpp"

namespace fastnn {

// b may be null (a layer without bias).
template <typename T>
void dense_forward(T* Z, const T* X, const T* W, const T* b, Index batch, Index in, Index out);

// dX = dZ W^T, dW = X^T dZ, db = column sums of dZ. Any of dX, dW, db may be null to skip it
// (the first layer never needs dX).
template <typename T>
void dense_backward(T* dX, T* dW, T* db, const T* dZ, const T* X, const T* W, Index batch, Index in,
                    Index out);

}  // namespace fastnn
