"""Payment methods (card terminal, bank account, cash acceptor) and the payment core."""
