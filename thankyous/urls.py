"""Thank-you pages, under /o/<slug>/thank-yous/."""

from django.urls import path

from thankyous import views

app_name = "thankyous"

urlpatterns = [
    path("", views.index, name="index"),
    path("settings/", views.settings_edit, name="settings"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_edit, name="template_create"),
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path(
        "templates/<int:template_id>/translations/",
        views.template_translation_add,
        name="template_translation_add",
    ),
    path(
        "templates/<int:template_id>/preview.pdf",
        views.template_letter_preview,
        name="template_letter_preview",
    ),
    path(
        "templates/<int:template_id>/preview.html",
        views.template_email_preview,
        name="template_email_preview",
    ),
    path(
        "acknowledgments/<int:ack_id>/retry/",
        views.acknowledgment_retry,
        name="acknowledgment_retry",
    ),
    path(
        "acknowledgments/<int:ack_id>/skip/", views.acknowledgment_skip, name="acknowledgment_skip"
    ),
    path(
        "acknowledgments/<int:ack_id>/letter.pdf",
        views.acknowledgment_letter,
        name="acknowledgment_letter",
    ),
    path("print-batches/new/", views.print_batch_create, name="print_batch_create"),
    path("print-batches/<int:batch_id>/letters.pdf", views.print_batch_pdf, name="print_batch_pdf"),
    path(
        "print-batches/<int:batch_id>/printed/",
        views.print_batch_printed,
        name="print_batch_printed",
    ),
]
