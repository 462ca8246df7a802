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

// The three products of the large path, on row-major operands with row strides (ld: values
// from one row to the next), so that a thread's block of rows or columns needs no type of its
// own. Each calls Eigen's GEMM (general_matrix_matrix_product, the routine behind Eigen's
// product expressions) on the column-major transposed problem C^T = op(B)^T op(A)^T, as Eigen
// itself does for a row-major result, with two differences:
//  * one product type per storage-order pair and dtype: the Block<> expressions of the
//    threads' shares instantiated the GEMM machinery once each, and dense.cpp took twice as
//    long to compile (a third of a level's build);
//  * packing buffers of this thread's own, kept from call to call: Eigen allocates them per
//    product (up to a few MB: kc x mc and kc x nc values), and glibc handed each back to the
//    system, so every product of a training step paid page faults to zero fresh pages
//    (1024-1024-1024-10 at batch 256: 207 faults a batch, 6% of the time in the kernel).
// Eigen 3.4's internal API (pinned in pyproject.toml: cmeel-eigen < 3.5).
template <typename T>
class Blocking : public Eigen::internal::level3_blocking<T, T> {
 public:
  // For the column-major problem of rows x cols, summed over depth.
  Blocking(Index rows, Index cols, Index depth) {
    this->m_mc = rows;
    this->m_nc = cols;
    this->m_kc = depth;
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc,
                                                          Index(1));
    this->m_blockA = scratch(0, this->m_mc * this->m_kc);
    this->m_blockB = scratch(1, this->m_kc * this->m_nc);
  }

 private:
  static T* scratch(int which, Index size) {
    thread_local Workspace<T> buffers[2];  // grows to the largest product, never shrinks
    Workspace<T>& b = buffers[which];
    if (Index(b.size()) < size) b.resize(size);
    return b.data();
  }
};

// C (n x m column-major, ld ldc) = L (n x k, storage LO, ld ldl) R (k x m, storage RO, ld ldr).
template <typename T, int LO, int RO>
void gemm_colmajor(T* C, Index ldc, const T* L, Index ldl, const T* R, Index ldr, Index n, Index m,
                   Index k) {
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>, 0, Eigen::OuterStride<>>(
      C, n, m, Eigen::OuterStride<>(ldc))
      .setZero();  // GEMM adds to C, as Eigen's own product starts from zero
  if (n == 0 || m == 0 || k == 0) return;
  Blocking<T> blocking(n, m, k);
  Eigen::internal::general_matrix_matrix_product<Index, T, LO, false, T, RO, false, Eigen::ColMajor,
                                                 1>::run(n, m, k, L, ldl, R, ldr, C, 1, ldc, T(1),
                                                         blocking, nullptr);
}

template <typename T>
using StridedMap = Eigen::Map<RowMatrix<T>, 0, Eigen::OuterStride<>>;
template <typename T>
using ConstStridedMap = Eigen::Map<const RowMatrix<T>, 0, Eigen::OuterStride<>>;
template <typename T>
using RowVec = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>, 0, Eigen::InnerStride<>>;
template <typename T>
using ConstRowVec = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>, 0, Eigen::InnerStride<>>;
template <typename T>
using ColVec = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>, 0, Eigen::InnerStride<>>;
template <typename T>
using ConstColVec = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>, 0, Eigen::InnerStride<>>;

// Each helper below sends a product with one row or one column of C (one sample's predict, a
// single output) to Eigen's matrix-vector product: GEMM would pack a whole operand to use it
// once (mnist's 784 x 256 layer for one sample: 42 us instead of 13).

// C (m, n) = A (m, k) B (k, n): C^T = B^T A^T, B^T and A^T column-major views of B and A.
template <typename T>
void gemm_nn(T* C, Index ldc, const T* A, Index lda, const T* B, Index ldb, Index m, Index k,
             Index n) {
  if (m == 1 && k > 0) {
    RowVec<T>(C, n, Eigen::InnerStride<>(1)).noalias() =
        ConstRowVec<T>(A, k, Eigen::InnerStride<>(1)) *
        ConstStridedMap<T>(B, k, n, Eigen::OuterStride<>(ldb));
  } else if (n == 1 && k > 0) {
    ColVec<T>(C, m, Eigen::InnerStride<>(ldc)).noalias() =
        ConstStridedMap<T>(A, m, k, Eigen::OuterStride<>(lda)) *
        ConstColVec<T>(B, k, Eigen::InnerStride<>(ldb));
  } else {
    gemm_colmajor<T, Eigen::ColMajor, Eigen::ColMajor>(C, ldc, B, ldb, A, lda, n, m, k);
  }
}

// C (m, n) = A (m, k) B^T, B (n, k): C^T = B A^T.
template <typename T>
void gemm_nt(T* C, Index ldc, const T* A, Index lda, const T* B, Index ldb, Index m, Index k,
             Index n) {
  if (m == 1 && k > 0) {
    RowVec<T>(C, n, Eigen::InnerStride<>(1)).noalias() =
        ConstRowVec<T>(A, k, Eigen::InnerStride<>(1)) *
        ConstStridedMap<T>(B, n, k, Eigen::OuterStride<>(ldb)).transpose();
  } else if (n == 1 && k > 0) {
    ColVec<T>(C, m, Eigen::InnerStride<>(ldc)).noalias() =
        ConstStridedMap<T>(A, m, k, Eigen::OuterStride<>(lda)) *
        ConstColVec<T>(B, k, Eigen::InnerStride<>(1));
  } else {
    gemm_colmajor<T, Eigen::RowMajor, Eigen::ColMajor>(C, ldc, B, ldb, A, lda, n, m, k);
  }
}

// C (m, n) = A^T B, A (k, m), B (k, n): C^T = B^T A.
template <typename T>
void gemm_tn(T* C, Index ldc, const T* A, Index lda, const T* B, Index ldb, Index m, Index k,
             Index n) {
  if (m == 1 && k > 0) {
    RowVec<T>(C, n, Eigen::InnerStride<>(1)).noalias() =
        ConstRowVec<T>(A, k, Eigen::InnerStride<>(lda)) *
        ConstStridedMap<T>(B, k, n, Eigen::OuterStride<>(ldb));
  } else if (n == 1 && k > 0) {
    ColVec<T>(C, m, Eigen::InnerStride<>(ldc)).noalias() =
        ConstStridedMap<T>(A, k, m, Eigen::OuterStride<>(lda)).transpose() *
        ConstColVec<T>(B, k, Eigen::InnerStride<>(ldb));
  } else {
    gemm_colmajor<T, Eigen::ColMajor, Eigen::RowMajor>(C, ldc, B, ldb, A, lda, n, m, k);
  }
}

// Columns [lo, hi) of Z = X W + b: one thread's share of the large-product path.
template <typename T>
void forward_columns(T* Z, const T* X, const T* W, const T* b, Index batch, Index in, Index out,
                     Index lo, Index hi) {
  gemm_nn(Z + lo, out, X, in, W + lo, out, batch, in, hi - lo);
  if (b != nullptr) {
    StridedMap<T>(Z + lo, batch, hi - lo, Eigen::OuterStride<>(out)).rowwise() +=
        ConstRowVectorMap<T>(b + lo, hi - lo);
  }
}

// db[lo, hi) = column sums of dZ's columns [lo, hi).
template <typename T>
void bias_gradient(T* db, const T* dZ, Index batch, Index out, Index lo, Index hi) {
  RowVectorMap<T> dbias(db + lo, hi - lo);
  if (batch == 0) {
    dbias.setZero();
  } else {
    dbias.noalias() =
        ConstStridedMap<T>(dZ + lo, batch, hi - lo, Eigen::OuterStride<>(out)).colwise().sum();
  }
}

}  // namespace

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
  if (threads == 1) return forward_columns(Z, X, W, b, batch, in, out, Index(0), out);
#pragma omp parallel num_threads(threads)
  {
    Index lo, hi;
    if (by_columns) {
      team_share(out, &lo, &hi);
      forward_columns(Z, X, W, b, batch, in, out, lo, hi);
    } else {
      team_share(batch, &lo, &hi);
      forward_columns(Z + lo * out, X + lo * in, W, b, hi - lo, in, out, Index(0), out);
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
  if (threads == 2 && dX != nullptr && dW != nullptr) {
    // Two threads, two products of the same size: each thread takes one whole, which keeps
    // Eigen's blocking at its best and needs no split at all.
#pragma omp parallel num_threads(2)
    {
      if (omp_thread_index() == 0) {
        gemm_nt(dX, in, dZ, out, W, out, batch, out, in);  // dX = dZ W^T
      } else {
        gemm_tn(dW, out, X, in, dZ, out, in, batch, out);  // dW = X^T dZ
        if (db != nullptr) bias_gradient(db, dZ, batch, out, Index(0), out);
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
      if (in > batch) {
        team_share(in, &lo, &hi);
        gemm_nt(dX + lo, in, dZ, out, W + lo * out, out, batch, out, hi - lo);
      } else {
        team_share(batch, &lo, &hi);
        gemm_nt(dX + lo * in, in, dZ + lo * out, out, W, out, hi - lo, out, in);
      }
    }
    // dW = X^T dZ and db: each thread its columns of dW (rows of dW when there are more of
    // those), so that no two threads add into the same entry.
    if (dW != nullptr) {
      if (out >= in) {
        team_share(out, &lo, &hi);
        gemm_tn(dW + lo, out, X, in, dZ + lo, out, in, batch, hi - lo);
      } else {
        team_share(in, &lo, &hi);
        gemm_tn(dW + lo * out, out, X + lo, in, dZ, out, hi - lo, batch, out);
      }
    }
    if (db != nullptr) {
      team_share(out, &lo, &hi);
      bias_gradient(db, dZ, batch, out, lo, hi);
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
