//! Decision-speed comparison of the Guard runtime with Cedar and Rego
//! (regorus) on the same agent policy; see `README.md`. The engines and
//! scenarios land here step by step.
