#include "fastnn/dense.hpp"

#include <algorithm>

#include "fastnn/config.hpp"

namespace fastnn {

namespace {

// Below this many multiply-adds, Eigen's product spends more time choosing block sizes and
// packing than multiplying. Small layers go through plain loops instead, with the number of
// outputs a compile-time constant where it is small (1 to 16), so that a row of W or dZ is a
// whole number of SIMD registers and the compiler emits no loop prologue or remainder.
constexpr Index kSmallProduct = 1 << 15;

inline bool is_small(Index batch, Index in, Index out) {
  return batch * in * out <= kSmallProduct;
}

// Threads pay for a product of at least this many multiply-adds (~1 ms / 250 us of work on
// one core): below it, waking a thread costs more than it saves.
constexpr Index kParallelProduct = Index(1) << 20;

// How many threads for a product of `work` multiply-adds whose split dimension has `items`.
inline int threads_for(Index work, Index items) {
  if (work < kParallelProduct || omp_in_parallel_region()) return 1;
  return static_cast<int>(std::min<Index>(get_num_threads(), std::max<Index>(items / 8, 1)));
}

// OUT > 0: the number of outputs, known at compile time, so that a row of Z, W or dZ is a
// fixed-size Eigen vector: it lives in SIMD registers while a sum over the inputs (or the
// batch) runs, instead of going through memory at every term. OUT == 0: `out` at run time.
template <typename T, int OUT>
void small_forward(T* Z, const T* X, const T* W, const T* b, Index batch, Index in,
                   Index out_runtime) {
  if constexpr (OUT > 0) {
    using Row = Eigen::Matrix<T, 1, OUT>;
    const Row bias = b != nullptr ? Row(Eigen::Map<const Row>(b)) : Row::Zero();
    for (Index r = 0; r < batch; ++r) {
      Row z = bias;
      for (Index i = 0; i < in; ++i)
        z.noalias() += X[r * in + i] * Eigen::Map<const Row>(W + i * OUT);
      Eigen::Map<Row>{Z + r* OUT} = z;
    }
  } else {
    const Index out = out_runtime;
    for (Index r = 0; r < batch; ++r) {
      T* z = Z + r * out;
      for (Index o = 0; o < out; ++o) z[o] = b != nullptr ? b[o] : T(0);
      for (Index i = 0; i < in; ++i) {
        const T x = X[r * in + i];
        const T* w = W + i * out;
        for (Index o = 0; o < out; ++o) z[o] += x * w[o];
      }
    }
  }
}

template <typename T, int OUT>
void small_backward(T* dX, T* dW, T* db, const T* dZ, const T* X, const T* W, Index batch, Index in,
                    Index out_runtime) {
  if constexpr (OUT > 0) {
    using Row = Eigen::Matrix<T, 1, OUT>;
    if (dW != nullptr) {
      for (Index i = 0; i < in; ++i) {  // dW[i, :] = sum over the batch of X[r, i] dZ[r, :]
        Row acc = Row::Zero();
        for (Index r = 0; r < batch; ++r)
          acc.noalias() += X[r * in + i] * Eigen::Map<const Row>(dZ + r * OUT);
        Eigen::Map<Row>{dW + i* OUT} = acc;
      }
    }
    if (db != nullptr) {
      Row acc = Row::Zero();
      for (Index r = 0; r < batch; ++r) acc.noalias() += Eigen::Map<const Row>(dZ + r * OUT);
      Eigen::Map<Row>{db} = acc;
    }
    if (dX != nullptr) {  // dX[r, i] = <dZ[r, :], W[i, :]>
      for (Index r = 0; r < batch; ++r) {
        const Eigen::Map<const Row> dz(dZ + r * OUT);
        for (Index i = 0; i < in; ++i) dX[r * in + i] = dz.dot(Eigen::Map<const Row>(W + i * OUT));
      }
    }
  } else {
    const Index out = out_runtime;
    if (dW != nullptr) std::fill(dW, dW + in * out, T(0));
    if (db != nullptr) std::fill(db, db + out, T(0));
    for (Index r = 0; r < batch; ++r) {
      const T* dz = dZ + r * out;
      if (dW != nullptr) {
        for (Index i = 0; i < in; ++i) {
          const T x = X[r * in + i];
          T* dw = dW + i * out;
          for (Index o = 0; o < out; ++o) dw[o] += x * dz[o];
        }
      }
      if (db != nullptr) {
        for (Index o = 0; o < out; ++o) db[o] += dz[o];
      }
      if (dX != nullptr) {
        for (Index i = 0; i < in; ++i) {
          const T* w = W + i * out;
          T sum = 0;
          for (Index o = 0; o < out; ++o) sum += dz[o] * w[o];
          dX[r * in + i] = sum;
        }
      }
    }
  }
}

// Calls kernel<OUT> with OUT = out when out is one of the specialised sizes.
#define FASTNN_DISPATCH_OUT(kernel, T, out, ...) \
  switch (out) {                                 \
    case 1:                                      \
      return kernel<T, 1>(__VA_ARGS__);          \
    case 2:                                      \
      return kernel<T, 2>(__VA_ARGS__);          \
    case 3:                                      \
      return kernel<T, 3>(__VA_ARGS__);          \
    case 4:                                      \
      return kernel<T, 4>(__VA_ARGS__);          \
    case 8:                                      \
      return kernel<T, 8>(__VA_ARGS__);          \
    case 16:                                     \
      return kernel<T, 16>(__VA_ARGS__);         \
    default:                                     \
      return kernel<T, 0>(__VA_ARGS__);          \
  }

}  // namespace

// One thread's share of the large-product path: Eigen's single-threaded GEMM on a block.
template <typename T>
void gemm_forward(T* Z, const T* X, const T* W, const T* b, Index rows, Index in, Index out) {
  MatrixMap<T> z(Z, rows, out);
  if (in == 0) {
    z.setZero();  // an empty product; Eigen would do the same, this says it
  } else {
    z.noalias() = ConstMatrixMap<T>(X, rows, in) * ConstMatrixMap<T>(W, in, out);
  }
  if (b != nullptr) z.rowwise() += ConstRowVectorMap<T>(b, out);
}

template <typename T>
void dense_forward(T* Z, const T* X, const T* W, const T* b, Index batch, Index in, Index out) {
  if (is_small(batch, in, out)) {
    FASTNN_DISPATCH_OUT(small_forward, T, out, Z, X, W, b, batch, in, out)
  }
  // Threads split the product, each computing its own block of Z with no synchronisation
  // inside (Eigen's own threading waits on its threads at every block, and collapsed when a
  // core was taken by another process). Each thread packs the whole of the operand it does
  // not split, so the split goes along the larger one: W's columns when W is larger than X,
  // else X's rows.
  const bool by_columns = in * out > batch * in;
  const int threads = threads_for(batch * in * out, by_columns ? out : batch);
  if (threads == 1) return gemm_forward(Z, X, W, b, batch, in, out);
#pragma omp parallel num_threads(threads)
  {
    Index lo, hi;
    if (by_columns) {
      team_share(out, &lo, &hi);
      MatrixMap<T> z(Z, batch, out);
      z.middleCols(lo, hi - lo).noalias() =
          ConstMatrixMap<T>(X, batch, in) * ConstMatrixMap<T>(W, in, out).middleCols(lo, hi - lo);
      if (b != nullptr) {
        z.middleCols(lo, hi - lo).rowwise() += ConstRowVectorMap<T>(b + lo, hi - lo);
      }
    } else {
      team_share(batch, &lo, &hi);
      gemm_forward(Z + lo * out, X + lo * in, W, b, hi - lo, in, out);
    }
  }
}

template <typename T>
void dense_backward(T* dX, T* dW, T* db, const T* dZ, const T* X, const T* W, Index batch, Index in,
                    Index out) {
  if (is_small(batch, in, out)) {
    FASTNN_DISPATCH_OUT(small_backward, T, out, dX, dW, db, dZ, X, W, batch, in, out)
  }
  const int threads = threads_for(batch * in * out, std::max(batch, std::max(in, out)));
  ConstMatrixMap<T> dz(dZ, batch, out), x(X, batch, in), w(W, in, out);
  if (threads == 2 && dX != nullptr && dW != nullptr) {
    // Two threads, two products of the same size: each thread takes one whole, which keeps
    // Eigen's blocking at its best and needs no split at all.
#pragma omp parallel num_threads(2)
    {
      if (omp_thread_index() == 0) {
        MatrixMap<T>(dX, batch, in).noalias() = dz * w.transpose();
      } else {
        MatrixMap<T>(dW, in, out).noalias() = x.transpose() * dz;
        if (db != nullptr) RowVectorMap<T>(db, out).noalias() = dz.colwise().sum();
      }
    }
    return;
  }
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Index lo, hi;
    // dX = dZ W^T: each thread its rows of the batch, or its columns of dX (rows of W) when W
    // is the larger operand (as in dense_forward).
    if (dX != nullptr) {
      MatrixMap<T> dx(dX, batch, in);
      if (in > batch) {
        team_share(in, &lo, &hi);
        dx.middleCols(lo, hi - lo).noalias() = dz * w.middleRows(lo, hi - lo).transpose();
      } else {
        team_share(batch, &lo, &hi);
        dx.middleRows(lo, hi - lo).noalias() = dz.middleRows(lo, hi - lo) * w.transpose();
      }
    }
    // dW and db: each thread its columns of dW (rows of dW when there are more of those), so
    // that no two threads add into the same entry.
    if (dW != nullptr) {
      MatrixMap<T> dw(dW, in, out);
      if (out >= in) {
        team_share(out, &lo, &hi);
        dw.middleCols(lo, hi - lo).noalias() = x.transpose() * dz.middleCols(lo, hi - lo);
      } else {
        team_share(in, &lo, &hi);
        dw.middleRows(lo, hi - lo).noalias() = x.middleCols(lo, hi - lo).transpose() * dz;
      }
    }
    if (db != nullptr) {
      team_share(out, &lo, &hi);
      RowVectorMap<T> dbias(db + lo, hi - lo);
      if (batch == 0) {
        dbias.setZero();
      } else {
        dbias.noalias() = dz.middleCols(lo, hi - lo).colwise().sum();
      }
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
