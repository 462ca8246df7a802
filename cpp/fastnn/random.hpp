// The one random-number generator of the core: SplitMix64, the Fisher-Yates shuffle the
// training loops draw their batch order from, and the dropout masks (drawn counter-based from the
// same generator: any element's draw is computed directly, so threads with rows of their own
// draw the same mask as one thread, and the NumPy twin as the core).
//
// Chosen because it is a few lines that fastnn.reference repeats exactly in Python, so a
// NumPy training loop can visit the samples in the very same order as the fused C++ loop.
#pragma once

#include <cstdint>

#include "fastnn/types.hpp"

namespace fastnn {

// A seed and an epoch number are any 64-bit unsigned integers (2**64 is a double, 2**64 - 1 not:
// the range is half-open). Every binding that takes one checks it by these rows.
inline constexpr Parameter kSeed =
    int_param("seed", 0, 0, 18446744073709551616.0, true, "the seed of the sample order");
inline constexpr Parameter kEpoch =
    int_param("epoch", 0, 0, 18446744073709551616.0, true, "the epoch's number (0-based)");

// permutation()'s n: an order of 2**28 samples is 2 GB of int64, more than a data set that fits
// beside it would need to draw through this call (the training loops draw their own).
inline constexpr Parameter kPermutationSize =
    int_param("n", 0, 0, 268435456.0, false, "the number of samples to order");

inline constexpr std::uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ULL;

// SplitMix64's output function.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() { return mix64(state += kGoldenGamma); }
};

// The i-th draw (0-based) of SplitMix64{key}, without the i draws before it.
inline std::uint64_t splitmix_at(std::uint64_t key, std::uint64_t i) {
  return mix64(key + (i + 1) * kGoldenGamma);
}

// The key of one batch's dropout masks for one layer: the run's seed, the 1-based number of the
// update the batch makes (so every batch of every epoch, and a later fit's, draws anew) and the
// layer's stream. Tagged, so that no mask stream is the shuffle's.
inline std::uint64_t dropout_key(std::uint64_t seed, std::uint64_t step, std::uint64_t stream) {
  SplitMix64 a{seed ^ 0x6A09E667F3BCC909ULL};
  SplitMix64 b{a.next() ^ (step * 0xD1B54A32D192ED03ULL)};
  SplitMix64 c{b.next() ^ (stream * 0x8CB92BA72F3D8DD7ULL)};
  return c.next();
}

// The stream for one epoch of one run: epochs get independent orders from one seed.
inline SplitMix64 epoch_rng(std::uint64_t seed, std::uint64_t epoch) {
  SplitMix64 mix{seed};
  SplitMix64 rng{mix.next() ^ (epoch * 0xD1B54A32D192ED03ULL)};
  return rng;
}

// idx = a permutation of 0..n-1: Fisher-Yates, j drawn as next() % (i + 1). The modulo's bias
// is below 2^-40 for any n that fits in memory.
inline void shuffle_indices(Index* idx, Index n, std::uint64_t seed, std::uint64_t epoch) {
  for (Index i = 0; i < n; ++i) idx[i] = i;
  SplitMix64 rng = epoch_rng(seed, epoch);
  for (Index i = n - 1; i > 0; --i) {
    const Index j = static_cast<Index>(rng.next() % static_cast<std::uint64_t>(i + 1));
    const Index t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
}

}  // namespace fastnn
