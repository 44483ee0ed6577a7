// cadenza/dist/gradient_tree.hpp: sums of many buffers in the order of a
// complete binary tree, shared out over ranks, with a few partial sums in
// memory.
//
// Data-parallel training cuts each global batch into micro-batches, the
// leaves of a complete binary tree of S leaves (S a power of two, fixed by the
// batch sizes, not by the number of ranks; leaves past the last micro-batch
// hold zeros). The sum of their gradients must come out the same, bit for
// bit, whether one rank computes all S or R ranks share them. Floating-point
// addition is not associative, so the ORDER is fixed: every inner node is
// left + right, ((g0 + g1) + (g2 + g3)) + ...
//
// SlotLayout: which leaves each rank computes (a contiguous range).
// TreeSum: one rank's leaves summed in tree order, leaving the maximal
//   subtrees the rank owns whole (one, when the range is an aligned subtree).
// reduce_tree: the rest of the tree across ranks, every rank getting the root:
//   - the ranges are the aligned subtrees [r S/R, (r+1) S/R) (R a power of
//     two): Communicator::allreduce_sum, whose order is the tree over ranks;
//   - any other R: level by level, a rank sends a right child it holds to the
//     rank that holds its left sibling (always a lower rank, at most one
//     message per rank and level), then the rank of leaf 0 broadcasts the
//     root. Sends go to lower ranks only and precede a level's receives, so
//     the exchange cannot deadlock.
//
//   SlotLayout layout(leaves, comm.size());
//   TreeSum<float> tree(n, layout.first(comm.rank()));
//   for (leaf : my leaves, in order) tree.push(leaf);
//   std::vector<float>& sum = reduce_tree(tree, layout, comm);
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "cadenza/dist/communicator.hpp"
#include "cadenza/error.hpp"

namespace cadenza::dist {

// The smallest power of two >= n (n >= 1).
inline int64_t power_of_two_at_least(int64_t n) {
    int64_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

// `work` micro-batches per step (the tree's leaves: the power of two at or
// above it) shared by R ranks. R a power of two up to the leaves: aligned
// subtrees (the fast all-reduce). Any other R: contiguous ranges of the real
// micro-batches as even as they go, the last rank also holding the zero
// leaves; with more ranks than micro-batches some ranges are empty (those
// ranks only receive the sum).
class SlotLayout {
public:
    SlotLayout(int64_t work, int ranks) : work_(work), leaves_(power_of_two_at_least(work)), ranks_(ranks) {
        CADENZA_CHECK(work >= 1 && ranks >= 1, "SlotLayout: ", work, " micro-batches, ", ranks, " ranks");
        aligned_ = (ranks & (ranks - 1)) == 0 && ranks <= leaves_;
    }
    int64_t work() const { return work_; }
    int64_t leaves() const { return leaves_; }
    int ranks() const { return ranks_; }
    bool aligned() const { return aligned_; }
    int64_t first(int r) const {
        return aligned_ ? r * leaves_ / ranks_ : r * work_ / ranks_;
    }
    int64_t end(int r) const { return r == ranks_ - 1 ? leaves_ : first(r + 1); }
    // The rank that computes leaf i (empty ranges share their first with the
    // next rank's, so the last rank r with first(r) <= i is the one).
    int owner(int64_t leaf) const {
        int lo = 0, hi = ranks_ - 1;
        while (lo < hi) {
            const int mid = (lo + hi + 1) / 2;
            if (first(mid) <= leaf) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

private:
    int64_t work_, leaves_;
    int ranks_;
    bool aligned_ = true;
};

template <class V>
class TreeSum {
public:
    // n values per leaf; the first leaf pushed is leaf `first_leaf` of the tree.
    explicit TreeSum(int64_t n, int64_t first_leaf = 0) : n_(n), first_(first_leaf) {}

    // Starts again with no leaves from leaf first_leaf (the buffers are kept).
    void clear(int64_t first_leaf = 0) {
        for (auto& node : stack_) spare_.push_back(std::move(node.values));
        stack_.clear();
        leaves_ = 0;
        first_ = first_leaf;
    }

    // The next leaf, n values (copied). A node is added to its left sibling
    // as soon as both are complete, as a binary counter carries: the stack
    // holds at most 2 log2(leaves) partial sums, the maximal whole subtrees.
    void push(const V* leaf) {
        push_filled([&](V* dst) {
            for (int64_t i = 0; i < n_; ++i) dst[i] = leaf[i];
        });
    }
    // The next leaf, written in place by fill(V* dst) (n values): no copy
    // through a buffer of the caller's.
    template <class Fill>
    void push_filled(Fill&& fill) {
        Node node{0, first_ + leaves_, take()};
        fill(node.values.data());
        push_node(std::move(node));
    }
    // A leaf of zeros (a micro-batch slot past the end of the data).
    void push_zeros() {
        Node node{0, first_ + leaves_, take()};
        for (auto& v : node.values) v = V(0);
        push_node(std::move(node));
    }

    int64_t size() const { return n_; }
    int64_t leaves() const { return leaves_; }
    // The root, once the leaves pushed make one whole subtree.
    std::vector<V>& result() {
        CADENZA_CHECK(stack_.size() == 1, "TreeSum: ", leaves_, " leaves from leaf ", first_,
                      " do not make a complete binary tree");
        return stack_.back().values;
    }

    // The rest of the tree above this rank's subtrees, across ranks
    // (reduce_tree below): every rank ends with the root of `leaves` leaves.
    std::vector<V>& combine_across(const SlotLayout& layout, Communicator& comm) {
        const int me = comm.rank();
        for (int64_t level = 0; (int64_t(1) << level) < layout.leaves(); ++level) {
            // Sends first: a right child whose left sibling starts on a lower rank.
            for (size_t k = 0; k < stack_.size();) {
                Node& node = stack_[k];
                const int to = node.level == level && node.index % 2 == 1
                                   ? layout.owner((node.index - 1) << level)
                                   : me;
                if (to == me) {
                    ++k;
                    continue;
                }
                comm.send(node.values.data(), n_ * int64_t(sizeof(V)), to, int(level));
                spare_.push_back(std::move(node.values));
                stack_.erase(stack_.begin() + long(k));
            }
            // Then every left child of this level meets its sibling: from this
            // rank's stack, or from the higher rank that holds it.
            for (size_t k = 0; k < stack_.size(); ++k) {
                Node& node = stack_[k];
                if (node.level != level) continue;
                CADENZA_CHECK(node.index % 2 == 0, "TreeSum: rank ", me, " holds right child ", node.index,
                              " of level ", level, " without its sibling");
                const int from = layout.owner((node.index + 1) << level);
                if (from == me) {
                    CADENZA_CHECK(k + 1 < stack_.size() && stack_[k + 1].level == level &&
                                      stack_[k + 1].index == node.index + 1,
                                  "TreeSum: rank ", me, " lacks node ", node.index + 1, " of level ", level);
                    add(node.values, stack_[k + 1].values);
                    spare_.push_back(std::move(stack_[k + 1].values));
                    stack_.erase(stack_.begin() + long(k + 1));
                } else {
                    std::vector<V> right = take();
                    comm.receive(right.data(), n_ * int64_t(sizeof(V)), from, int(level));
                    add(node.values, right);
                    spare_.push_back(std::move(right));
                }
                node.level = level + 1;
                node.index /= 2;
            }
        }
        const int root = layout.owner(0);
        if (me == root) {
            CADENZA_CHECK(stack_.size() == 1 && int64_t(1) << stack_[0].level == layout.leaves(),
                          "TreeSum: rank ", me, " does not hold the root");
        } else {
            clear(first_);
            stack_.push_back(Node{0, 0, take()});
        }
        comm.broadcast(stack_[0].values.data(), n_ * int64_t(sizeof(V)), root);
        return stack_[0].values;
    }

private:
    struct Node {
        int64_t level;
        int64_t index;  // position among the nodes of its level
        std::vector<V> values;
    };
    std::vector<V> take() {
        if (spare_.empty()) return std::vector<V>(size_t(n_));
        std::vector<V> v = std::move(spare_.back());
        spare_.pop_back();
        return v;
    }
    void add(std::vector<V>& left, const std::vector<V>& right) const {
        for (int64_t i = 0; i < n_; ++i) left[size_t(i)] += right[size_t(i)];
    }
    void push_node(Node node) {
        ++leaves_;
        while (!stack_.empty() && node.index % 2 == 1 && stack_.back().level == node.level &&
               stack_.back().index == node.index - 1) {
            Node left = std::move(stack_.back());
            stack_.pop_back();
            add(left.values, node.values);
            spare_.push_back(std::move(node.values));
            node = Node{left.level + 1, left.index / 2, std::move(left.values)};
        }
        stack_.push_back(std::move(node));
    }

    int64_t n_;
    int64_t first_ = 0;
    int64_t leaves_ = 0;
    std::vector<Node> stack_;
    std::vector<std::vector<V>> spare_;
};

// Every rank: the root of the tree whose leaves the ranks pushed into their
// TreeSums as `layout` shares them out. Aligned ranges take one
// Communicator::allreduce_sum; other layouts the level-by-level exchange.
template <class V>
std::vector<V>& reduce_tree(TreeSum<V>& mine, const SlotLayout& layout, Communicator& comm) {
    if (layout.aligned()) {
        std::vector<V>& sum = mine.result();
        comm.allreduce_sum(sum.data(), mine.size());
        return sum;
    }
    return mine.combine_across(layout, comm);
}

}  // namespace cadenza::dist
