// dist-train: trains a small model with dist::DataParallel under mpirun (or
// alone) and writes rank 0's final parameters and history, so that
// run_dist.sh can compare runs on different numbers of ranks bit for bit.
//
//   mpirun -np 2 dist-train --model paper|stream --out FILE [--mismatch] [--epochs N]
//
// paper:  LSTM(8) -> Dropout(0.3) -> LSTM(8) -> Flatten -> Dense(12) -> Dropout(0.2)
//         -> Dense(7), 27 windows of 6 steps, global batch 10 in micro-batches of 3
//         (4 slots: 3 + 3 + 3 + 1; the last batch of 7: 3 + 3 + 1 + none).
// stream: Embedding(7, 4) -> stateful LSTM(8) -> Dropout(0.25) -> stateful GRU(8)
//         -> Dense(7), a target at every step, lanes in order (no shuffle), global
//         batch 8 in micro-batches of 2.
// --mismatch: rank 1 changes one target, so the ranks' data differ.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "cadenza/cadenza.hpp"
#include "cadenza/dist/data_parallel.hpp"
#include "cadenza/dist/mpi_communicator.hpp"

using namespace cadenza;

namespace {

struct Args {
    std::string model = "paper", out;
    bool mismatch = false;
    int epochs = 2;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string s = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw Error("dist-train: " + s + " needs a value");
            return argv[++i];
        };
        if (s == "--model") a.model = value();
        else if (s == "--out") a.out = value();
        else if (s == "--epochs") a.epochs = std::stoi(value());
        else if (s == "--mismatch") a.mismatch = true;
        else throw Error("dist-train: unknown argument '" + s + "'");
    }
    if (a.model != "paper" && a.model != "stream") throw Error("dist-train: --model is paper or stream");
    return a;
}

std::unique_ptr<Sequential<float>> build(const std::string& kind) {
    auto m = std::make_unique<Sequential<float>>(std::make_shared<EigenBackend<float>>(1));
    if (kind == "paper") {
        m->add<Lstm<float>>(8, true);
        m->add<Dropout<float>>(0.3);
        m->add<Lstm<float>>(8, true);
        m->add<Flatten<float>>();
        m->add<Dense<float>>(12);
        m->add<Dropout<float>>(0.2);
        m->add<Dense<float>>(7);
    } else {
        m->add<Embedding<float>>(7, 4);
        m->add<Lstm<float>>(Lstm<float>::Options{8, true, true});
        m->add<Dropout<float>>(0.25);
        m->add<Gru<float>>(Gru<float>::Options{8, true, true});
        m->add<Dense<float>>(7);
    }
    AdamOptions adam;
    adam.lr = 5e-3;
    adam.clip_norm = 1.0;
    m->set_optimizer(std::make_unique<Adam<float>>(adam));
    m->build({6, 1}, 21);
    return m;
}

ArrayData<float> data(const std::string& kind, bool change_one) {
    const int N = kind == "paper" ? 27 : 24, T = 6, V = 7;
    Tensor<float> x({N, T, 1});
    std::vector<int32_t> y;
    for (int n = 0; n < N; ++n)
        for (int t = 0; t < T; ++t) {
            const int id = (n * 3 + t * 2 + (n * t) % 5) % V;
            x[n * T + t] = kind == "paper" ? float(id) / V : float(id);
            if (kind == "stream") y.push_back((id + 1 + (t % 2)) % V);
        }
    if (kind == "paper")
        for (int n = 0; n < N; ++n) y.push_back((n * 5 + 2) % V);
    if (change_one) y[3] = (y[3] + 1) % V;
    return ArrayData<float>(std::move(x), std::move(y));
}

}  // namespace

int main(int argc, char** argv) {
    dist::MpiSession session(argc, argv);
    dist::MpiCommunicator comm;
    const std::string who = "dist-train: rank " + std::to_string(comm.rank()) + ": ";
    try {
        const Args a = parse(argc, argv);
        auto model = build(a.model);
        ArrayData<float> train = data(a.model, a.mismatch && comm.rank() == 1);
        dist::DataParallel<float> trainer(*model, comm);
        dist::DataParallelOptions o;
        o.batch_size = a.model == "paper" ? 10 : 8;
        o.micro_batch = a.model == "paper" ? 3 : 2;
        o.epochs = a.epochs;
        o.shuffle = a.model == "paper";
        auto history = trainer.fit(train, o, &train);
        if (comm.rank() == 0) {
            const Tensor<float>& p = model->parameters();
            if (!a.out.empty()) {
                std::ofstream f(a.out, std::ios::binary);
                f.write(reinterpret_cast<const char*>(p.data()), std::streamsize(p.bytes()));
                for (const EpochStats& e : history) f.write(reinterpret_cast<const char*>(&e.loss), sizeof(double));
                for (const EpochStats& e : history) f.write(reinterpret_cast<const char*>(&e.val_loss), sizeof(double));
            }
            std::printf("%s model on %d rank(s): loss %.6f -> %.6f, validation %.6f; parameters %016llx\n",
                        a.model.c_str(), comm.size(), history.front().loss, history.back().loss,
                        history.back().val_loss,
                        static_cast<unsigned long long>(dist::fingerprint(p.data(), p.bytes())));
        }
        return 0;
    } catch (const dist::CollectiveError& e) {
        // Every rank meets these together (a collective check): rank 0 reports.
        if (comm.rank() == 0) std::fprintf(stderr, "dist-train: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        // One rank alone: the others would wait for it in the next collective.
        std::fprintf(stderr, "%s%s\n", who.c_str(), e.what());
        comm.abort_all(1);
        return 1;
    }
}
