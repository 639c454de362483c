// Winograd minimal-filtering matrices for F(m x m, 3 x 3) (Lavin & Gray 2015, "Fast Algorithms for
// Convolutional Neural Networks"): one output tile Y [m x m] of a 3 x 3 correlation from an input
// tile d [alpha x alpha], alpha = m + 2:
//     Y = AT [ (G g GT) (.) (BT d B) ] A
// Derived by Toom-Cook from the interpolation points below (plus the point at infinity). Points
// of small magnitude keep the fp32 error low; it still grows with the tile (docs/winograd.md):
//     F(2,3): 0, 1, -1            F(4,3): 0, 1, -1, 2, -2
//     F(6,3): 0, 1, -1, 2, -2, 1/2, -1/2
// G is applied once to the weights, in double; BT and AT run per tile in float and are exact
// (integers and powers of two).
#pragma once

namespace cnnengine {

template <int M>
struct WinogradMatrices;

template <>
struct WinogradMatrices<2> {
    static constexpr int m = 2, alpha = 4;
    static constexpr double G[alpha][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    static constexpr float BT[alpha][alpha] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, -1, 0, 1}};
    static constexpr float AT[m][alpha] = {{1, 1, 1, 0}, {0, 1, -1, 1}};
};

template <>
struct WinogradMatrices<4> {
    static constexpr int m = 4, alpha = 6;
    static constexpr double G[alpha][3] = {{1.0 / 4, 0, 0},
                                           {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                           {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                           {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                           {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                           {0, 0, 1}};
    static constexpr float BT[alpha][alpha] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                               {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
    static constexpr float AT[m][alpha] = {
        {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
};

template <>
struct WinogradMatrices<6> {
    static constexpr int m = 6, alpha = 8;
    static constexpr double G[alpha][3] = {{1, 0, 0},
                                           {-2.0 / 9, -2.0 / 9, -2.0 / 9},
                                           {-2.0 / 9, 2.0 / 9, -2.0 / 9},
                                           {1.0 / 90, 1.0 / 45, 2.0 / 45},
                                           {1.0 / 90, -1.0 / 45, 2.0 / 45},
                                           {32.0 / 45, 16.0 / 45, 8.0 / 45},
                                           {32.0 / 45, -16.0 / 45, 8.0 / 45},
                                           {0, 0, 1}};
    static constexpr float BT[alpha][alpha] = {{1, 0, -5.25f, 0, 5.25f, 0, -1, 0},
                                               {0, 1, 1, -4.25f, -4.25f, 1, 1, 0},
                                               {0, -1, 1, 4.25f, -4.25f, -1, 1, 0},
                                               {0, 0.5f, 0.25f, -2.5f, -1.25f, 2, 1, 0},
                                               {0, -0.5f, 0.25f, 2.5f, -1.25f, -2, 1, 0},
                                               {0, 2, 4, -2.5f, -5, 0.5f, 1, 0},
                                               {0, -2, 4, 2.5f, -5, -0.5f, 1, 0},
                                               {0, -1, 0, 5.25f, 0, -5.25f, 0, 1}};
    static constexpr float AT[m][alpha] = {{1, 1, 1, 1, 1, 1, 1, 0},
                                           {0, 1, -1, 2, -2, 0.5f, -0.5f, 0},
                                           {0, 1, 1, 4, 4, 0.25f, 0.25f, 0},
                                           {0, 1, -1, 8, -8, 0.125f, -0.125f, 0},
                                           {0, 1, 1, 16, 16, 0.0625f, 0.0625f, 0},
                                           {0, 1, -1, 32, -32, 0.03125f, -0.03125f, 1}};
};

}  // namespace cnnengine
