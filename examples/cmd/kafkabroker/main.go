// Command kafkabroker runs an in-process Kafka-protocol broker (franz-go's kfake) for trying
// the kafka connector without installing Kafka, and optionally produces sample events:
//
//	go run ./examples/cmd/kafkabroker -port 9092 -events 1000
//
// It creates the topics events and counts (3 partitions each) and writes -events JSON
// records {"user":"userN","amount":N} to events, then serves until interrupted. Its data
// lives in memory only.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	port := flag.Int("port", 9092, "the port to listen on")
	events := flag.Int("events", 1000, "sample events to write to topic events")
	flag.Parse()
	c, err := kfake.NewCluster(kfake.Ports(*port), kfake.SeedTopics(3, "events", "counts"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		log.Fatal(err)
	}
	var recs []*kgo.Record
	for range *events {
		user := fmt.Sprintf("user%d", rand.IntN(10))
		recs = append(recs, &kgo.Record{Topic: "events", Key: []byte(user),
			Value: fmt.Appendf(nil, `{"user":%q,"amount":%d}`, user, rand.IntN(100))})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		log.Fatal(err)
	}
	cl.Close()
	fmt.Printf("kafka broker on %v: topics events (%d records) and counts; Ctrl-C stops it\n", c.ListenAddrs(), *events)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
