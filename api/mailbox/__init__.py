"""The support mailbox: a worker that answers a tenant's IMAP inbox through the answer pipeline, sends what is certain
by SMTP and drafts the rest."""
