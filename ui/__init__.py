"""Streamlit-side helpers of RNN Explorer: figures (plain functions, no streamlit) and page widgets."""
