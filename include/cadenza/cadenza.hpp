// cadenza/cadenza.hpp: the umbrella header of the core library.
//
// Tensors, backends, layers, loss, optimizer, the Sequential model and
// checkpoints. The music headers (cadenza/music/) are separate and not included.
#pragma once

#include "cadenza/backend/backend.hpp"
#include "cadenza/backend/eigen_backend.hpp"
#include "cadenza/backend/host_backend.hpp"
#include "cadenza/core/config.hpp"
#include "cadenza/error.hpp"
#include "cadenza/core/philox.hpp"
#include "cadenza/core/registry.hpp"
#include "cadenza/core/tensor.hpp"
#include "cadenza/io/container.hpp"
#include "cadenza/io/model_io.hpp"
#include "cadenza/layers/dense.hpp"
#include "cadenza/layers/dropout.hpp"
#include "cadenza/layers/embedding.hpp"
#include "cadenza/layers/flatten.hpp"
#include "cadenza/layers/gru.hpp"
#include "cadenza/layers/init.hpp"
#include "cadenza/layers/layer.hpp"
#include "cadenza/layers/lstm.hpp"
#include "cadenza/layers/registry.hpp"
#include "cadenza/loss/softmax_cross_entropy.hpp"
#include "cadenza/model/data.hpp"
#include "cadenza/model/sequential.hpp"
#include "cadenza/optim/adam.hpp"
#include "cadenza/optim/optimizer.hpp"
#include "cadenza/optim/registry.hpp"
#include "cadenza/optim/rmsprop.hpp"
#include "cadenza/optim/schedule.hpp"
#include "cadenza/optim/sgd.hpp"
