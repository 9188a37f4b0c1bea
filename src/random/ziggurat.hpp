// Standard normal variates by the ziggurat method (Marsaglia & Tsang 2000):
// 128 layers of equal area under the density; about 99% of draws take one
// table lookup, a multiply and a compare, and no logarithm. The layer index
// comes from other random bits than the value, which avoids the correlation
// of the original method (Doornik 2005).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace microcircuit {

class Ziggurat {
public:
    static constexpr int layers = 128;
    static constexpr double tail_start = 3.442619855899;      // R: x of the base layer's top
    static constexpr double layer_area = 9.91256303526217e-3; // V: area of each layer

    // `value_bits` gives the value within the layer, `layer` (0..127) the layer;
    // `uniform` gives uniforms in (0, 1) for the rare wedge and tail cases and
    // `retry` a fresh (value_bits, layer) pair when a wedge draw is rejected.
    template <typename Uniform, typename Retry>
    double sample(std::uint32_t value_bits, unsigned layer, Uniform&& uniform,
                  Retry&& retry) const {
        for (;;) {
            const double u = static_cast<double>(static_cast<std::int32_t>(value_bits)) * 0x1p-31;
            if (std::fabs(u) < ratio_[layer]) {
                return u * x_[layer]; // inside the layer's rectangle
            }
            const double z = u * x_[layer];
            if (layer == 0) {
                // The tail beyond R, by Marsaglia's exponential rejection.
                double a = 0.0;
                double b = 0.0;
                do {
                    a = -std::log(uniform()) / tail_start;
                    b = -std::log(uniform());
                } while (b + b < a * a);
                return u > 0.0 ? tail_start + a : -tail_start - a;
            }
            // The wedge between the layer's rectangle and the density.
            const double y = f_[layer] + uniform() * (f_[layer + 1] - f_[layer]);
            if (y < std::exp(-0.5 * z * z)) {
                return z;
            }
            retry(value_bits, layer);
        }
    }

    // The layer boundaries, computed once at start-up.
    Ziggurat() {
        const auto density = [](double x) { return std::exp(-0.5 * x * x); };
        // x_[i] is the half-width of layer i; the base layer (0) includes the
        // tail, so its width is V / f(R).
        x_[0] = layer_area / density(tail_start);
        x_[1] = tail_start;
        for (int i = 1; i < layers - 1; ++i) {
            x_[i + 1] = std::sqrt(-2.0 * std::log(layer_area / x_[i] + density(x_[i])));
        }
        x_[layers] = 0.0;
        for (int i = 0; i <= layers; ++i) {
            f_[i] = density(x_[i]);
        }
        for (int i = 0; i < layers; ++i) {
            ratio_[i] = x_[i + 1] / x_[i];
        }
    }

private:
    std::array<double, layers + 1> x_{};
    std::array<double, layers + 1> f_{};
    std::array<double, layers> ratio_{};
};

// One set of tables for the program; no initialisation guard in the hot loop.
inline const Ziggurat ziggurat_tables;

} // namespace microcircuit
