"""Services: every state change goes through here (validate → mutate → flush → audit row).
Routes and API endpoints call one service function and commit."""
