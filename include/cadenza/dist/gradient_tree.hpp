// cadenza/dist/gradient_tree.hpp: sums of many buffers in the order of a
// complete binary tree, with a few partial sums in memory.
//
// Data-parallel training cuts each global batch into S micro-batches (S a
// power of two, fixed by the batch sizes, not by the number of ranks) and
// needs the sum of their gradients to come out the same, bit for bit, whether
// one rank computes all S or R ranks compute S / R each. Floating-point
// addition is not associative, so the ORDER is fixed: the complete binary tree
// over the S leaves, ((g0 + g1) + (g2 + g3)) + ... A rank that owns leaves
// [r S/R, (r+1) S/R), an aligned subtree, sums them here in tree order; the
// communicator's allreduce_sum then adds the ranks' subtrees in the tree
// order above them (communicator.hpp).
//
//   TreeSum<float> tree(n);
//   for (leaf : my leaves, in order) tree.push(leaf);   // count: a power of two
//   std::vector<float>& sum = tree.result();
#pragma once

#include <cstdint>
#include <vector>

#include "cadenza/error.hpp"

namespace cadenza::dist {

template <class V>
class TreeSum {
public:
    explicit TreeSum(int64_t n) : n_(n) {}

    // Starts again with no leaves (the buffers are kept).
    void clear() {
        for (auto& node : stack_) spare_.push_back(std::move(node.values));
        stack_.clear();
        leaves_ = 0;
    }

    // The next leaf, n values (copied). Merges every pair of equal-sized
    // subtrees at the top of the stack, as a binary counter carries: the stack
    // holds at most log2(leaves) + 1 partial sums.
    void push(const V* leaf) {
        push_filled([&](V* dst) {
            for (int64_t i = 0; i < n_; ++i) dst[i] = leaf[i];
        });
    }
    // The next leaf, written in place by fill(V* dst) (n values): no copy
    // through a buffer of the caller's.
    template <class Fill>
    void push_filled(Fill&& fill) {
        Node node{0, take()};
        fill(node.values.data());
        push_node(std::move(node));
    }
    // A leaf of zeros (a micro-batch slot past the end of the data).
    void push_zeros() {
        Node node{0, take()};
        for (auto& v : node.values) v = V(0);
        push_node(std::move(node));
    }

    int64_t leaves() const { return leaves_; }
    // The root, once a power-of-two number of leaves has been pushed.
    std::vector<V>& result() {
        CADENZA_CHECK(stack_.size() == 1, "TreeSum: ", leaves_, " leaves do not make a complete binary tree");
        return stack_.back().values;
    }

private:
    struct Node {
        int level;
        std::vector<V> values;
    };
    std::vector<V> take() {
        if (spare_.empty()) return std::vector<V>(size_t(n_));
        std::vector<V> v = std::move(spare_.back());
        spare_.pop_back();
        return v;
    }
    void push_node(Node node) {
        ++leaves_;
        while (!stack_.empty() && stack_.back().level == node.level) {
            Node left = std::move(stack_.back());
            stack_.pop_back();
            for (int64_t i = 0; i < n_; ++i) left.values[size_t(i)] += node.values[size_t(i)];
            spare_.push_back(std::move(node.values));
            node = Node{left.level + 1, std::move(left.values)};
        }
        stack_.push_back(std::move(node));
    }

    int64_t n_;
    int64_t leaves_ = 0;
    std::vector<Node> stack_;
    std::vector<std::vector<V>> spare_;
};

// The smallest power of two >= n (n >= 1).
inline int64_t power_of_two_at_least(int64_t n) {
    int64_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

}  // namespace cadenza::dist
