// A user's program: include the umbrella header, train a tiny model, check it
// learned; write and read a MIDI file through cadenza::midi. It includes one
// header by its new path (cadenza/midi/) and one by its old, deprecated path
// (cadenza/music/midi_types.hpp, which forwards with a #warning for one release).
#include <cadenza/cadenza.hpp>
#include <cadenza/midi/midi_reader.hpp>
#include <cadenza/midi/midi_writer.hpp>
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
    ArrayData<float> data(std::move(x), y);
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

    midi::Note c4;
    c4.track = 1;
    c4.pitch = 60;
    c4.end_tick = 480;
    const std::vector<uint8_t> bytes = midi::encode_midi({c4});
    const midi::MidiFile back = midi::parse_midi(bytes, "consumer.mid");
    std::printf("consumer: %zu note(s) back from a %zu-byte MIDI file\n", back.notes.size(), bytes.size());
    const bool learned = history.back().loss < history.front().loss * 0.5;
    return learned && back.notes.size() == 1 && back.notes[0].pitch == 60 ? 0 : 1;
}
