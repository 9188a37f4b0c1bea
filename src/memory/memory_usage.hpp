// Peak resident memory of this process, as the operating system counts it.
#pragma once

namespace microcircuit {

double peak_rss_mb();

} // namespace microcircuit
