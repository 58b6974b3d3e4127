package lesson

import (
	"context"
	"io"
	"net/http"
	"strings"
)

// Get fetches url with client under ctx and returns the body, trimmed, and
// the status code.
func Get(ctx context.Context, client *http.Client, url string) (body string, code int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b)), resp.StatusCode, err
}
