"""OAI-PMH client side: a safe page parser and sickle over the bridge's shared httpx client."""
