// cadenza/core/config.hpp: the macros every other header relies on.
//
// CADENZA_HOST_DEVICE marks per-element math that must compile for the CPU and,
// under nvcc, for the GPU too: the CUDA kernels call the very same functions the
// CPU backends call, so a machine without a GPU still tests the GPU's arithmetic.
#pragma once

#define CADENZA_VERSION_MAJOR 0
#define CADENZA_VERSION_MINOR 2
#define CADENZA_VERSION_PATCH 0
#define CADENZA_VERSION_STRING "0.2.0"

#if defined(__CUDACC__)
#define CADENZA_HOST_DEVICE __host__ __device__
#else
#define CADENZA_HOST_DEVICE
#endif

// Force inlining of the tiny math helpers so the pointwise loops vectorise.
#if defined(__CUDACC__)
#define CADENZA_INLINE __forceinline__
#elif defined(__GNUC__) || defined(__clang__)
#define CADENZA_INLINE inline __attribute__((always_inline))
#else
#define CADENZA_INLINE inline
#endif
