#include "fastnn/dense.hpp"

namespace fastnn {

template <typename T>
void dense_forward(T* Z, const T* X, const T* W, const T* b, Index batch, Index in, Index out) {
  MatrixMap<T> z(Z, batch, out);
  if (in == 0) {
    z.setZero();  // an empty product; Eigen would do the same, this says it
  } else {
    z.noalias() = ConstMatrixMap<T>(X, batch, in) * ConstMatrixMap<T>(W, in, out);
  }
  if (b != nullptr) z.rowwise() += ConstRowVectorMap<T>(b, out);
}

template <typename T>
void dense_backward(T* dX, T* dW, T* db, const T* dZ, const T* X, const T* W, Index batch, Index in,
                    Index out) {
  ConstMatrixMap<T> dz(dZ, batch, out);
  if (dX != nullptr) {
    MatrixMap<T>(dX, batch, in).noalias() = dz * ConstMatrixMap<T>(W, in, out).transpose();
  }
  if (dW != nullptr) {
    MatrixMap<T>(dW, in, out).noalias() = ConstMatrixMap<T>(X, batch, in).transpose() * dz;
  }
  if (db != nullptr) {
    RowVectorMap<T> dbias(db, out);
    if (batch == 0) {
      dbias.setZero();
    } else {
      dbias.noalias() = dz.colwise().sum();
    }
  }
}

template void dense_forward<float>(float*, const float*, const float*, const float*, Index, Index,
                                   Index);
template void dense_forward<double>(double*, const double*, const double*, const double*, Index,
                                    Index, Index);
template void dense_backward<float>(float*, float*, float*, const float*, const float*,
                                    const float*, Index, Index, Index);
template void dense_backward<double>(double*, double*, double*, const double*, const double*,
                                     const double*, Index, Index, Index);

}  // namespace fastnn
