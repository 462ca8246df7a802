// Shared vocabulary of the core: index type and Eigen views over caller-owned memory.
//
// Every kernel takes raw pointers to C-contiguous (row-major) buffers plus their sizes,
// llm.c style: outputs first, then inputs, then sizes. The core never allocates the
// arrays it is handed and never checks them: the bindings did.
#pragma once

#include <Eigen/Core>
#include <cstddef>

#include "fastnn/types.hpp"

namespace fastnn {

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;
template <typename T>
using RowVectorMap = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <typename T>
using ConstRowVectorMap = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;

// Flat views for elementwise work: Eigen evaluates exp, tanh, select in SIMD registers.
template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

}  // namespace fastnn
