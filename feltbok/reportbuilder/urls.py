from django.urls import path

from feltbok.reportbuilder import views

app_name = "reportbuilder"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.create, name="create"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/edit/", views.edit, name="edit"),
    path("<uuid:code>/sections/text/", views.add_text, name="add_text"),
    path("<uuid:code>/sections/figure/", views.add_figure, name="add_figure"),
    path("<uuid:code>/sections/<uuid:section>/", views.edit_section, name="edit_section"),
    path("<uuid:code>/sections/<uuid:section>/move/", views.move_section, name="move_section"),
    path(
        "<uuid:code>/sections/<uuid:section>/remove/", views.remove_section, name="remove_section"
    ),
    path("<uuid:code>/publish/", views.publish, name="publish"),
    path("<uuid:code>/draft.pdf", views.draft_download, {"extension": "pdf"}, name="draft_pdf"),
    path("<uuid:code>/draft.xlsx", views.draft_download, {"extension": "xlsx"}, name="draft_xlsx"),
    path(
        "versions/<uuid:version>/report.pdf",
        views.version_download,
        {"extension": "pdf"},
        name="version_pdf",
    ),
    path(
        "versions/<uuid:version>/report.xlsx",
        views.version_download,
        {"extension": "xlsx"},
        name="version_xlsx",
    ),
]
