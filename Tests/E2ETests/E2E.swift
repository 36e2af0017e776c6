import Testing

/// Every end-to-end suite is nested here, so they run one after another: each boots QEMU
/// guests under TCG, and two labs booting at once on two cores only make both slow.
@Suite(.serialized) enum E2E {}
