"""Knowledge-base pages for content managers, and the proposal form for contact-centre staff."""
from django.urls import path

from pronoia.contact import views

urlpatterns = [
    path("contact/knowledge/", views.KnowledgeListView.as_view(), name="knowledge_list"),
    path("contact/knowledge/new", views.KnowledgeItemCreateView.as_view(), name="knowledge_new"),
    path("contact/knowledge/import", views.KnowledgeImportView.as_view(), name="knowledge_import"),
    path("contact/knowledge/export", views.KnowledgeExportView.as_view(), name="knowledge_export"),
    path("contact/knowledge/proposals", views.KnowledgeProposalListView.as_view(), name="knowledge_proposals"),
    path("contact/knowledge/proposals/<int:pk>/draft", views.KnowledgeProposalActionView.as_view(action="draft"), name="knowledge_proposal_draft"),
    path("contact/knowledge/proposals/<int:pk>/decline", views.KnowledgeProposalActionView.as_view(action="decline"), name="knowledge_proposal_decline"),
    path("contact/knowledge/propose", views.KnowledgeProposalCreateView.as_view(), name="knowledge_propose"),
    path("contact/knowledge/<int:pk>", views.KnowledgeItemView.as_view(), name="knowledge_item"),
    path("contact/knowledge/<int:pk>/edit", views.KnowledgeItemEditView.as_view(), name="knowledge_edit"),
    path("contact/knowledge/<int:pk>/submit", views.KnowledgeItemActionView.as_view(action="submit"), name="knowledge_submit"),
    path("contact/knowledge/<int:pk>/approve", views.KnowledgeItemActionView.as_view(action="approve"), name="knowledge_approve"),
    path("contact/knowledge/<int:pk>/reject", views.KnowledgeItemActionView.as_view(action="reject"), name="knowledge_reject"),
    path("contact/knowledge/<int:pk>/publish", views.KnowledgeItemActionView.as_view(action="publish"), name="knowledge_publish"),
    path("contact/knowledge/<int:pk>/retire", views.KnowledgeItemActionView.as_view(action="retire"), name="knowledge_retire"),
]
