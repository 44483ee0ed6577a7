// examples/cadenza-music/lib/models.cpp: see models.hpp.
#include "models.hpp"

#include "cadenza/cadenza.hpp"

namespace cadenza::app {

std::unique_ptr<Sequential<float>> build_model(const Settings& s, int V,
                                               std::shared_ptr<Backend<float>> backend) {
    auto m = std::make_unique<Sequential<float>>(std::move(backend));
    const int H = s.lstm_units();
    if (s.model == ModelKind::paper) {
        m->add<Lstm<float>>(H, true);
        m->add<Dropout<float>>(0.3);
        m->add<Lstm<float>>(H, true);
        m->add<Flatten<float>>();
        m->add<Dense<float>>(s.dense);
        m->add<Dropout<float>>(0.3);
        m->add<Dense<float>>(V);
    } else {
        // Stateful recurrent layers of H units returning every step.
        auto add_recurrent = [&] {
            if (s.cell == Settings::Cell::gru) m->add<Gru<float>>(Gru<float>::Options{H, true, true});
            else m->add<Lstm<float>>(Lstm<float>::Options{H, true, true});
        };
        m->add<Embedding<float>>(V, s.embedding);
        if (s.embedding_dropout > 0) m->add<Dropout<float>>(s.embedding_dropout);
        add_recurrent();
        if (s.dropout > 0) m->add<Dropout<float>>(s.dropout);
        add_recurrent();
        if (s.dropout > 0) m->add<Dropout<float>>(s.dropout);
        m->add<Dense<float>>(V);
    }
    AdamOptions adam;
    adam.lr = s.lr;
    adam.clip_norm = s.clip_norm;
    adam.weight_decay = s.weight_decay;
    m->set_optimizer(std::make_unique<Adam<float>>(adam));
    m->build({s.seq_len, 1}, s.seed);
    return m;
}

}  // namespace cadenza::app
