// A user's program: include the umbrella header, train a tiny model, check it learned.
#include <cadenza/cadenza.hpp>
#include <cadenza/music/midi_types.hpp>

#include <cstdio>

int main() {
    using namespace cadenza;
    Tensor<float> x({64, 3, 1});
    std::vector<int32_t> y(64);
    for (int n = 0; n < 64; ++n) {
        for (int t = 0; t < 3; ++t) x[n * 3 + t] = float((n + t) % 4) / 4.0f;
        y[size_t(n)] = (n + 3) % 4;
    }
    ArrayData<float> data(x, y);
    Sequential<float> model;
    model.add<Lstm<float>>(16, false);
    model.add<Dense<float>>(4);
    model.build({3, 1}, 1);
    model.set_optimizer(std::make_unique<Adam<float>>(AdamOptions{0.02}));
    FitOptions o;
    o.batch_size = 16;
    o.epochs = 40;
    auto history = model.fit(data, o);
    std::printf("consumer: loss %.4f -> %.4f\n", history.front().loss, history.back().loss);
    return history.back().loss < history.front().loss * 0.5 ? 0 : 1;
}
