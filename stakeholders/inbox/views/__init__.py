"""The shared inbox's pages, one module per topic: conversations (the list, one conversation and
its actions), settings (targets, canned replies) and messaging (the Twilio account, numbers and
WhatsApp templates)."""
