"""Statistics on inputs with known answers."""
import math

import numpy as np
import pytest
import scipy.stats

from pd14analysis import statistics as st


def test_regular_train_has_cv_zero():
    times = np.arange(100.0, 1000.0, 12.5)
    ids = np.zeros(len(times), dtype=np.int64)
    cvs, neurons = st.isi_cvs(ids, times, 1)
    assert list(neurons) == [0]
    assert cvs[0] == pytest.approx(0.0, abs=1e-12)


def test_cv_needs_three_spikes_and_ignores_order():
    # neuron 0: 2 spikes (no CV); neuron 1: ISIs 1, 2 -> CV 1/3; neuron 2: silent
    ids = np.array([1, 0, 1, 1, 0])
    times = np.array([3.0, 5.0, 0.0, 1.0, 9.0])  # deliberately unsorted
    cvs, neurons = st.isi_cvs(ids, times, 3)
    assert list(neurons) == [1]
    assert cvs[0] == pytest.approx(1.0 / 3.0, rel=1e-12)


def _bernoulli_trains(rng, n_neurons, rate_hz, t_start, t_stop, dt=0.1):
    """Poisson-like trains on a time grid: one Bernoulli(rate*dt) per step."""
    n_steps = int(round((t_stop - t_start) / dt))
    p = rate_hz * dt * 1e-3
    counts = rng.binomial(n_steps, p, size=n_neurons)
    ids = np.repeat(np.arange(n_neurons), counts)
    steps = np.concatenate([rng.choice(n_steps, size=c, replace=False) for c in counts])
    return ids, t_start + (steps + 0.5) * dt, counts, n_steps, p


def test_poisson_rates_within_binomial_interval_and_cv_near_one():
    rng = np.random.default_rng(2024)
    n, rate, t0, t1 = 400, 20.0, 0.0, 10000.0
    ids, times, counts, n_steps, p = _bernoulli_trains(rng, n, rate, t0, t1)
    rates = st.firing_rates(ids, times, n, t0, t1)
    assert np.array_equal(rates, counts / 10.0)
    # ~95 % of the neurons' rates lie in the 95 % binomial interval of the
    # true rate (the number inside is itself Binomial(400, >= 0.95))
    lo, hi = scipy.stats.binom.interval(0.95, n_steps, p)
    inside = np.mean((rates >= lo / 10.0) & (rates <= hi / 10.0))
    assert inside >= 0.92
    # the population mean within the 99.9 % interval of the pooled count
    lo, hi = scipy.stats.binom.interval(0.999, n * n_steps, p)
    assert lo / n / 10.0 <= rates.mean() <= hi / n / 10.0
    cvs, _ = st.isi_cvs(ids, times, n)
    assert len(cvs) == n
    # grid trains: geometric ISIs, CV = sqrt(1 - p) ~ 0.999; SE of the mean ~ 0.004
    assert np.mean(cvs) == pytest.approx(math.sqrt(1 - p), abs=0.02)


def test_rates_include_silent_neurons_and_respect_window():
    ids = np.array([0, 0, 1, 2])
    times = np.array([499.9, 500.0, 1499.9, 1500.0])
    ps = st.population_statistics("X", ids, times, 4, 500.0, 1500.0, sample=np.arange(4))
    assert list(ps.rates) == [1.0, 1.0, 0.0, 0.0]
    assert ps.n_spikes == 2
    assert ps.summary()["silent_fraction"] == 0.5


def test_common_poisson_component_gives_predicted_correlation():
    """n_i(t) = independent Poisson (rate r) + shared Poisson (rate c):
    spike counts in any bin have correlation c / (r + c)."""
    rng = np.random.default_rng(7)
    n, r, c, t0, t1 = 40, 12.0, 3.0, 0.0, 20000.0
    shared = np.sort(rng.uniform(t0, t1, rng.poisson(c * (t1 - t0) * 1e-3)))
    ids, times = [], []
    for i in range(n):
        own = rng.uniform(t0, t1, rng.poisson(r * (t1 - t0) * 1e-3))
        t = np.concatenate([own, shared])
        ids.append(np.full(len(t), i))
        times.append(t)
    ids, times = np.concatenate(ids), np.concatenate(times)
    # plus two silent neurons: their pairs must be left out
    sample = np.arange(n + 2)
    ccs = st.spike_count_correlations(ids, times, sample, t0, t1, bin_ms=2.0)
    assert len(ccs) == n * (n - 1) // 2
    predicted = c / (r + c)  # 0.2
    assert np.mean(ccs) == pytest.approx(predicted, abs=0.01)
    # single pairs scatter with SE ~ 1/sqrt(10000 bins)
    assert np.all(np.abs(ccs - predicted) < 0.06)


def test_correlation_matches_numpy_corrcoef():
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 6, 3000)
    times = rng.uniform(0, 1000, 3000)
    ccs = st.spike_count_correlations(ids, times, np.arange(6), 0.0, 1000.0, 2.0)
    dense = np.zeros((6, 500))
    np.add.at(dense, (ids, (times // 2).astype(int)), 1)
    full = np.corrcoef(dense)
    assert np.allclose(ccs, full[np.triu_indices(6, 1)], atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ks_distance_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, 300)
    b = rng.normal(0.2, 1.3, 517)
    assert st.ks_distance(a, b) == pytest.approx(scipy.stats.ks_2samp(a, b).statistic, abs=1e-15)
    # with ties (discrete rates, many zeros)
    a = rng.poisson(2, 250) / 10.0
    b = rng.poisson(2.5, 190) / 10.0
    assert st.ks_distance(a, b) == pytest.approx(scipy.stats.ks_2samp(a, b).statistic, abs=1e-15)
    assert st.ks_distance(a, a) == 0.0


def test_subsamples_are_seeded_and_distinct():
    s1 = st.draw_samples([2068, 583, 106], 200, seed=12345)
    s2 = st.draw_samples([2068, 583, 106], 200, seed=12345)
    for x, y in zip(s1, s2):
        assert np.array_equal(x, y)
    assert [len(x) for x in s1] == [200, 200, 106]
    assert all(len(np.unique(x)) == len(x) for x in s1)
    assert not np.array_equal(st.draw_samples([2068], 200, seed=1)[0], s1[0])
