"""Training: the `Trainer` mixin of `ember.Model`, data adapters, compile utilities."""
