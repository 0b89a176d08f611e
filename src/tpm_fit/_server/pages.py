"""The HR page (placeholder)."""
from fastapi import APIRouter
pages = APIRouter()
