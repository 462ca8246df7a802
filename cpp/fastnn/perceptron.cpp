#include "fastnn/perceptron.hpp"

#include <vector>

#include "fastnn/random.hpp"

namespace fastnn {

template <typename T>
Index perceptron_epoch(T* w, T* b, const T* X, const T* y, const Index* order, Index n, Index d,
                       T learning_rate) {
  Index mistakes = 0;
  for (Index k = 0; k < n; ++k) {
    const Index i = order != nullptr ? order[k] : k;
    const T* x = X + i * d;
    // A plain sum, not Eigen's dot: its blocked order rounds differently from the reference.
    T z = 0;
    for (Index j = 0; j < d; ++j) z += w[j] * x[j];
    z += *b;
    const T y_hat = z > T(0) ? T(1) : T(0);
    if (y_hat == y[i]) continue;
    ++mistakes;
    const T delta = learning_rate * (y[i] - y_hat);
    for (Index j = 0; j < d; ++j) w[j] += delta * x[j];
    *b += delta;
  }
  return mistakes;
}

template <typename T>
void perceptron_fit(T* w, T* b, Index* errors_per_epoch, Index* epochs_run, const T* X, const T* y,
                    Index n, Index d, T learning_rate, Index max_epochs, bool shuffle,
                    std::uint64_t seed) {
  std::vector<Index> order(shuffle ? static_cast<std::size_t>(n) : 0);
  Index e = 0;
  while (e < max_epochs) {
    if (shuffle) shuffle_indices(order.data(), n, seed, static_cast<std::uint64_t>(e));
    const Index mistakes =
        perceptron_epoch(w, b, X, y, shuffle ? order.data() : nullptr, n, d, learning_rate);
    errors_per_epoch[e++] = mistakes;
    if (mistakes == 0) break;  // w and b did not move: every sample is right in any order
  }
  *epochs_run = e;
}

#define FASTNN_INSTANTIATE(T)                                                                    \
  template Index perceptron_epoch<T>(T*, T*, const T*, const T*, const Index*, Index, Index, T); \
  template void perceptron_fit<T>(T*, T*, Index*, Index*, const T*, const T*, Index, Index, T,   \
                                  Index, bool, std::uint64_t);
FASTNN_INSTANTIATE(float)
FASTNN_INSTANTIATE(double)
#undef FASTNN_INSTANTIATE

}  // namespace fastnn
