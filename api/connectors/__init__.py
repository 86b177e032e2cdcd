"""Help-desk connectors: receivers for the vendors' webhooks and the calls that write answers back."""
