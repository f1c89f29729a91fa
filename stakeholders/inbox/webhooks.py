"""The messaging providers' webhooks for the shared inbox, under /o/<slug>/webhooks/: Twilio's
SMS and WhatsApp (inbound messages and delivery reports, each request checked with Twilio's
signature). Email's inbound webhooks are with the tracking ones (``stakeholders.email_webhooks``).
"""

app_name = "inbox_webhooks"

urlpatterns = []
