// examples/cadenza-music/lib/models.hpp: the two models of the application.
//
//   paper:  LSTM(128) -> Dropout(0.3) -> LSTM(128) -> Flatten -> Dense(256)
//           -> Dropout(0.3) -> Dense(V), softmax; input one scalar per step,
//           token id / V (the paper's Fig. 7 and its preprocessing).
//   stream: Embedding(64) -> LSTM(256) -> LSTM(256) -> Dense(V) at every step,
//           stateful: the state is carried from one window to the next, so
//           generation costs one step per token. With --dropout p, Dropout(p)
//           after each LSTM; with --embedding-dropout q, Dropout(q) after the
//           Embedding. With --cell gru, GRU(256) layers in place of the LSTMs.
// Optimizer: Adam, or AdamW with --weight-decay.
#pragma once

#include <memory>

#include "cadenza/backend/backend.hpp"
#include "cadenza/model/sequential.hpp"
#include "settings.hpp"

namespace cadenza::app {

// A fresh, built model for a vocabulary of V tokens, with its optimizer.
std::unique_ptr<Sequential<float>> build_model(const Settings& s, int V,
                                               std::shared_ptr<Backend<float>> backend);

}  // namespace cadenza::app
